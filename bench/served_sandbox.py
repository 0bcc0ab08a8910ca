"""``stagingpro sandbox serve`` over HTTPS (or HTTP) in its own process, for the benchmarks
that measure real client-server traffic (``plan_bench.py``, ``apply_bench.py``,
``serve_latency.py``).

The certificate comes from a throwaway CA (trustme) that this process and its children
trust through ``SSL_CERT_FILE`` (httpx) and ``REQUESTS_CA_BUNDLE`` (requests, used by the
official ``bigcommerce`` client).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from reconciler.sandbox.guard import ADMIN_TOKEN_ENV


class ServedSandbox:
    """The sandbox file ``db`` served on a free loopback port; ``url`` is its base URL."""

    def __init__(self, db: Path, workdir: Path, *, https: bool = True) -> None:
        tls_options: list[str] = []
        if https:
            import trustme

            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1")
            tls = workdir / "tls"
            tls.mkdir(parents=True, exist_ok=True)
            cert.cert_chain_pems[0].write_to_path(str(tls / "cert.pem"))
            cert.private_key_pem.write_to_path(str(tls / "key.pem"))
            ca.cert_pem.write_to_path(str(tls / "ca.pem"))
            os.environ["SSL_CERT_FILE"] = os.environ["REQUESTS_CA_BUNDLE"] = str(tls / "ca.pem")
            tls_options = ["--certfile", str(tls / "cert.pem"), "--keyfile", str(tls / "key.pem")]
        stagingpro = str(Path(sys.executable).with_name("stagingpro"))
        self.admin_token = secrets.token_urlsafe(16)
        self._admin_headers = {"Authorization": f"Bearer {self.admin_token}"}
        # The benchmarks set their own quotas; unset, a store is not throttled.
        self.process = subprocess.Popen(
            [stagingpro, "sandbox", "serve", "--port", "0", "--db", str(db), *tls_options,
             "--quota", "1000000"],
            env={**os.environ, ADMIN_TOKEN_ENV: self.admin_token},
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("sandbox serving "):
            self.process.kill()
            raise SystemExit(f"the sandbox did not start: {line!r}")
        self.url = line.split()[2].rstrip("/")

    def request_log(self, store: str) -> list[dict[str, Any]]:
        """``store``'s request log (it lives in the serving process)."""
        response = httpx.get(f"{self.url}/_sandbox/stores/{store}/requests", timeout=60,
                             headers=self._admin_headers)
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()["data"]
        return entries

    @property
    def admin_headers(self) -> dict[str, str]:
        """The admin API's ``Authorization`` header."""
        return dict(self._admin_headers)

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the sandbox's admin API (``path`` from ``/_sandbox/...``); its JSON."""
        response = httpx.request(method, f"{self.url}{path}", timeout=60,
                                 headers=self._admin_headers, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
