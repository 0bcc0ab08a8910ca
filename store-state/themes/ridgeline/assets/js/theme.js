// Small progressive enhancements; the theme works without JavaScript.
document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('[data-carousel]').forEach((carousel) => {
        const slides = carousel.querySelectorAll('.carousel__slide');
        let current = 0;
        if (slides.length < 2) return;
        slides.forEach((slide, index) => { slide.hidden = index !== 0; });
        setInterval(() => {
            slides[current].hidden = true;
            current = (current + 1) % slides.length;
            slides[current].hidden = false;
        }, 6000);
    });
});
