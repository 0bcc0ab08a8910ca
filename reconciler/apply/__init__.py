"""Apply: execute a plan against a store, exactly and accountably.

Public API::

    apply_environment(ApplyRequest(state, env), saved=plan | checksum=sha | reviewed=plan)
    reviewed_part(reviewed, fresh) -> ReviewedPart      # what of a fresh plan was reviewed
    execute(ctx, changes) -> [ItemResult]             # the waves alone (executor)
    retry_environment(request, deployment_id)          # only what failed (retry)
    rollback(state, env, to=..., apply=...)            # declared state back, optionally applied
    EnvironmentLock(env, repository, state)            # the per-environment lease (lock)
    history_for(state, repository) -> History          # deployments in git notes (history)

Modules: :mod:`.run` (the end-to-end order: policy, lock, read, plan or staleness
check, safety, approval, waves, history), :mod:`.executor` (dependency waves),
:mod:`.dependencies` (what a change refers to, what to skip after a failure),
:mod:`.live` (reading for an apply, staleness), :mod:`.reviewed` (the reviewed part of a
fresh plan), :mod:`.deployment` (the record), :mod:`.history`, :mod:`.lock` (and
:mod:`.machine`: what proves a holder dead), :mod:`.resume` (finishing an interrupted
deployment), :mod:`.promotion` (the order environments take changes in),
:mod:`.schedule` (deploy windows), :mod:`.gitrepo`, :mod:`.retry`, :mod:`.rollback`.
"""
