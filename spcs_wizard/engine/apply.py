"""Apply a plan: check each step, run what is not done yet, wait for what must be ready.

Every step is checked first, so a second run changes nothing and a run that stopped
anywhere (an error, Ctrl-C, kill -9, a lost connection) resumes at the first step that
is not done. Secrets are asked for only when a step that needs them has to run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, TypeVar

from snowflake.connector.errors import Error as ConnectorError

from spcs_wizard.engine import questions
from spcs_wizard.engine.events import (
    Listener,
    StepDone,
    StepFailed,
    StepSkipped,
    StepStarted,
    StepWaiting,
    ignore,
)
from spcs_wizard.engine.outcome import Outcome
from spcs_wizard.engine.questions import is_created_object
from spcs_wizard.engine.spec_upload import SpecUploads
from spcs_wizard.engine.waits import (
    StepFailedError,
    StoppedError,
    Waiter,
    failure,
    resume_alike,
    resumed,
)
from spcs_wizard.model.plan import ownership_comment
from spcs_wizard.model.secret_rules import secret_problem, secret_variable
from spcs_wizard.model.step import StepKind
from spcs_wizard.specs.render import dns_domain_sql, write_all

if TYPE_CHECKING:
    from pathlib import Path

    from spcs_wizard.engine.images import ImageBlocked
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.state import DeploymentState
    from spcs_wizard.model.plan import Plan
    from spcs_wizard.model.sql import SecretSlot
    from spcs_wizard.model.step import Step

T = TypeVar("T")
SecretProvider = Callable[["SecretSlot"], str]
ImagePusher = Callable[["Step"], None]
# Why this machine cannot make a step's image, or None.
ImageBlocker = Callable[["Step"], "ImageBlocked | None"]


@dataclass
class Deployer:
    runner: SqlRunner
    plan: Plan
    state: DeploymentState
    secrets: SecretProvider
    push_image: ImagePusher | None = None
    image_blocker: ImageBlocker | None = None
    on_event: Listener = ignore
    # Asked before each step and in each wait: True stops the run there (the next run
    # resumes from it).
    should_stop: Callable[[], bool] = lambda: False
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _secret_cache: dict[str, str] = field(default_factory=dict, repr=False)
    # Names of existing objects to take over instead of refusing them (--adopt).
    adopt: frozenset[str] = frozenset()
    _domain: str | None = field(default=None, repr=False)
    _found: dict[str, list[dict[str, object]]] = field(default_factory=dict, repr=False)
    # The image repository's listing, by check: asked once a run and again after a push
    # (pushes change the repository without SQL, so the runner's check cache cannot tell).
    _images_listed: dict[str, list[dict[str, object]]] = field(default_factory=dict, repr=False)
    # What the scan before the first step found (by step id), and how many statements this
    # run had executed then: a wait answered by it (``_listed_ready``).
    _scanned: dict[str, list[dict[str, object]]] = field(default_factory=dict, repr=False)
    _executed_at_scan: int = field(default=-1, repr=False)
    # A wait's first look (by step id) and the image repository's listing (by check),
    # asked with the questions before the first step: taken while the run has changed
    # nothing (``_unchanged``), and the listing until a push.
    _early: dict[str, list[dict[str, object]]] = field(default_factory=dict, repr=False)
    _images_early: dict[str, list[dict[str, object]]] = field(default_factory=dict, repr=False)
    _woken: set[str] = field(default_factory=set, repr=False)  # kinds of wait (_wake_alike)

    def run(self) -> Outcome:
        before = len(self.runner.executed)
        outcome = self._run()
        outcome.changed = self.runner.executed[before:]
        return outcome

    def _run(self) -> Outcome:
        outcome = Outcome()
        try:
            self._ask_ahead()
            self._found = self._existing_objects()
            self._scanned = dict(self._found)
            self._executed_at_scan = len(self.runner.executed)
            self._refuse_images_this_machine_cannot_make()
            self._secrets_before_any_change()
        except StepFailedError as exc:
            self.on_event(exc.event)
            outcome.failed = exc.event
            return outcome
        for step in self.plan.steps:
            try:
                if self.should_stop():
                    raise StoppedError
                ran = self._step(step)
            except StoppedError:
                outcome.stopped = True
                return outcome
            except StepFailedError as exc:
                self.on_event(exc.event)
                outcome.failed = exc.event
                return outcome
            (outcome.done if ran else outcome.skipped).append(step.id)
        return outcome

    # -- one step -------------------------------------------------------------------------
    def _step(self, step: Step) -> bool:
        """Run the step unless its check says it is done; True when it ran."""
        if step.kind is StepKind.WAIT:
            self.on_event(StepStarted(step.id, step.title))
            started = self.monotonic()
            self._wake_alike(step)
            if not self._listed_ready(step):
                self._waiter.wait(step)
            self.state.note_seen(step.id)
            self.on_event(StepDone(step.id, 0, round(self.monotonic() - started, 3)))
            return True
        if step.check is not None:
            rows = self._found.pop(step.id, None) or self._check_rows(step)
            if step.check.satisfied_by(rows):
                self._refuse_foreign(step, rows)
                if step.id in self.state.pending:  # an interrupted attempt of ours did it
                    self.state.record(step.id)
                elif step.id not in self.state.executed:
                    self.state.note_seen(step.id)  # found in place: shown, never ours
                self.on_event(StepSkipped(step.id, "already done"))
                return False
        uploads = self._uploads
        if step.kind is StepKind.PUT:
            write_all(self.plan.deployment, self._spec_dir(step), self._dns_domain(step))
            if self._guarded(step, lambda: uploads.unchanged(step)):
                self.on_event(StepSkipped(step.id, "unchanged on the stage"))
                return False
        self.on_event(StepStarted(step.id, step.title))
        started = self.monotonic()
        # Every secret known and usable before the step is begun and anything runs.
        statements = [
            (sql.text(), sql.executable(self._secrets_for(step, sql.secrets)))
            for sql in step.statements
        ]
        self.state.intend(step.id)
        if step.kind is StepKind.IMAGE:
            self._image(step)
        for shown, executable in statements:  # one each: a plan's step is one statement
            try:
                self.runner.execute(executable, step.role, shown)
            except ConnectorError as exc:
                if exc.sfqid:
                    # The account answered that it refused the statement (a query id
                    # came back): nothing of this step ran, so a grant found here later
                    # is someone else's. Without an answer (a lost connection) it stays
                    # begun: it may have run.
                    self.state.abandon(step.id)
                raise failure(step, exc) from None
        self.state.record(step.id)
        if step.kind is StepKind.PUT:
            rolled = self._guarded(step, lambda: uploads.uploaded(step))
            if rolled:
                self.on_event(StepWaiting(step.id, rolled, 0))
        self.on_event(StepDone(step.id, len(step.statements), round(self.monotonic() - started, 3)))
        return True

    @property
    def _waiter(self) -> Waiter:
        return Waiter(self.runner, self.on_event, self.should_stop, self.sleep, self.monotonic)

    @cached_property
    def _uploads(self) -> SpecUploads:
        return SpecUploads(self.runner, self.plan, self.state)

    def _dns_domain(self, step: Step) -> str:
        """The schema's service DNS domain, which the notebook's spec needs to name
        Milvus; it exists once the schema does."""
        if self._domain is None:
            from spcs_wizard.model.names import dns_domain

            sql = dns_domain_sql(self.plan.deployment)
            rows = self._guarded(step, lambda: self.runner.query(sql, step.role))
            self._domain = dns_domain(str(next(iter(rows[0].values()))))
        return self._domain

    def _guarded(self, step: Step, call: Callable[[], T]) -> T:
        """``call()``, its connector errors reported as this step's failure."""
        try:
            return call()
        except ConnectorError as exc:
            raise failure(step, exc) from None

    def _spec_dir(self, step: Step) -> Path:
        from pathlib import Path

        return Path(step.details["local_file"]).parent

    def _secrets_for(self, step: Step, slots: tuple[SecretSlot, ...]) -> dict[str, str]:
        for slot in slots:
            if slot.key not in self._secret_cache:
                value = self.secrets(slot)
                problem = secret_problem(slot, value)
                if problem is not None:  # before Snowflake refuses it, or stores a surprise
                    raise StepFailedError(
                        StepFailed(
                            step.id,
                            f"the {slot.description} cannot be used: {problem}",
                            f"Give another one ({secret_variable(slot)}, the keyring, or "
                            "the prompt), then run the deployment again.",
                        )
                    )
                self._secret_cache[slot.key] = value
        return {slot.key: self._secret_cache[slot.key] for slot in slots}

    def _ask_ahead(self) -> None:
        """Before the first step: what the run asks before its first change
        (``questions.before_first_step``), asked together (``SqlRunner.ask_together``:
        one USE ROLE per role, a role's questions in flight at once). A re-run with
        nothing to do then asks nothing more. Any change the run makes drops the checks'
        answers (the runner's), and a wait takes its early look only while the run has
        changed nothing (``_listed_ready``)."""
        self.runner.forget_checks()  # (a runner kept from an earlier run asks afresh)
        asked = questions.before_first_step(self.plan, self.state)
        answers = self.runner.ask_together(asked.all())

        def answer(sql: str, step: Step) -> list[dict[str, object]] | None:
            return answers.get((step.role.sql(), sql))

        keys = [(role.sql(), sql) for sql, role in asked.checks]
        self.runner.remember({key: answers[key] for key in keys if key in answers})
        for sql, step in asked.images:
            if (rows := answer(sql, step)) is not None:
                self._images_early[sql] = rows
        for sql, step in asked.waits:
            if (rows := answer(sql, step)) is not None:
                self._early[step.id] = rows
        if asked.domain is not None and (rows := answer(*asked.domain)):
            from spcs_wizard.model.names import dns_domain

            self._domain = dns_domain(str(next(iter(rows[0].values()))))

    def _existing_objects(self) -> dict[str, list[dict[str, object]]]:
        """Before anything runs: which of the plan's objects exist already, each proved
        ours or refused, so a same-named object someone else made stops the deployment
        before its first change (not halfway, after grants to it were made). The rows are
        kept for the step itself: the scan costs no extra round trip."""
        found = {}
        listed = self._listed_together()
        for step in self.plan.steps:
            if step.check is None or not is_created_object(step):
                continue
            rows = listed[step.id] if step.id in listed else self._check_rows(step)
            if step.check.satisfied_by(rows):
                self._refuse_foreign(step, rows)
                found[step.id] = rows
        return found

    def _listed_together(self) -> dict[str, list[dict[str, object]]]:
        """The rows of each SHOW ... LIKE check of a created object, where several of one
        kind and scope share one SHOW (the three stages, the two pools, services and
        secrets): one statement instead of one per object, each check's rows those its own
        LIKE would list."""
        rows_of: dict[str, list[dict[str, object]]] = {}
        for members in questions.listing_groups(self.plan):
            first, listing = members[0]
            rows = self._guarded(first, partial(self.runner.check, listing.broad_sql(), first.role))
            for step, own in members:
                rows_of[step.id] = [r for r in rows if own.lists(r)]
        return rows_of

    def _secrets_before_any_change(self) -> None:
        """Before anything runs: every secret a step that will run needs, asked for (or
        refused) now, so a missing or unusable one stops the deployment before its first
        change. A step whose object exists already needs none (a re-run asks nothing)."""
        for step in self.plan.steps:
            if step.id not in self._found:
                for sql in step.statements:
                    self._secrets_for(step, sql.secrets)

    def _refuse_images_this_machine_cannot_make(self) -> None:
        """Before anything runs: an image the repository lacks that this machine cannot
        make (no skopeo to copy it, no docker or podman to build it) stops the deployment
        now, not at its image step once the pools were made and are billing. The
        repository is asked only when a tool is missing."""
        if self.image_blocker is None:
            return
        from spcs_wizard.engine.images import blocked_advice

        found = []
        for step in self.plan.steps:
            if step.kind is not StepKind.IMAGE:
                continue
            blocked = self.image_blocker(step)
            if blocked is not None and not self._holds(step):
                found.append((step.id, blocked))
        if found:
            message = "; ".join(blocked.message for _, blocked in found)
            advice = blocked_advice([blocked for _, blocked in found])
            raise StepFailedError(StepFailed(found[0][0], message, advice))

    def _check_rows(self, step: Step) -> list[dict[str, object]]:
        assert step.check is not None
        sql = step.check.sql.text()
        if step.kind is StepKind.IMAGE:  # the three images' checks read one listing
            if sql not in self._images_listed:
                # The listing asked before the first step is this run's only while it has
                # changed nothing: the repository it lacked may have been made since.
                early = self._images_early.get(sql) if self._unchanged() else None
                listed = (
                    early
                    if early is not None
                    else self._guarded(step, lambda: self.runner.query_or_missing(sql, step.role))
                )
                self._images_listed[sql] = listed
            return [dict(row) for row in self._images_listed[sql]]
        return self._guarded(step, lambda: self.runner.check(sql, step.role))

    def _holds(self, step: Step) -> bool:
        assert step.check is not None
        return step.check.satisfied_by(self._check_rows(step))

    def _refuse_foreign(self, step: Step, rows: list[dict[str, object]]) -> None:
        """A step whose object exists may only skip when the object is ours: it carries
        this deployment's COMMENT, the state says we made it, or it was adopted (now, by
        --adopt, or before). Otherwise stop before anything changes: going on would grant
        our role privileges on, or to, someone else's object."""
        target = step.target
        if target is None or target.shared or not is_created_object(step):
            return
        # Begun (pending) is not enough here: a CREATE ... IF NOT EXISTS of ours that met
        # someone else's object did nothing, so only the COMMENT can tell.
        if step.id in self.state.executed or target.name in self.state.adopted:
            return
        assert step.check is not None  # a created object's check: SHOW ... LIKE its name
        row = step.check.proof(rows)[0]  # the callers found the check satisfied
        comment = str(row.get("comment") or "")
        if comment == ownership_comment(self.plan.deployment):
            return
        if target.name in self.adopt:
            self.state.adopt(target.name)
            self.on_event(StepWaiting(step.id, f"{target.name} adopted (--adopt)", 0))
            return
        # Never empty: a dropped role's objects pass to the role that dropped it
        # (https://docs.snowflake.com/en/sql-reference/sql/drop-role).
        owner = row.get("owner")
        made = f"comment {comment!r}" if comment else "no spcs-wizard comment"
        raise StepFailedError(
            StepFailed(
                step.id,
                f"{target.kind} {target.name} already exists and is not this deployment's "
                f"(owner {owner}, {made})",
                "Nothing was changed. Choose other names (a --prefix, or the name settings), "
                f"or take it over knowingly with --adopt {target.name} (teardown then leaves "
                "it in place).",
                foreign=True,
            )
        )

    def _image(self, step: Step) -> None:
        if self.push_image is None:
            raise StepFailedError(
                StepFailed(
                    step.id,
                    f"the image {step.details.get('image')} is not in the repository",
                    "Build it for linux/amd64 and push it to the repository shown ('spcs-wizard "
                    "images push' does both, as the wizard's Build & push does), then run the "
                    "deployment again.",
                )
            )
        from spcs_wizard.images.builder import BuilderError
        from spcs_wizard.images.push import PushError

        self._images_listed.clear()  # the repository changes now: ask it again after
        self._images_early.clear()
        try:
            self.push_image(step)
        except (BuilderError, PushError) as exc:
            raise StepFailedError(
                StepFailed(
                    step.id,
                    str(exc),
                    "Fix the cause shown, then run the deployment again; "
                    "images already pushed are not pushed again.",
                )
            ) from None
        if not self._holds(step):
            raise StepFailedError(
                StepFailed(
                    step.id,
                    f"the image {step.details.get('image')} did not arrive",
                    "Check the push output and the repository (SHOW IMAGES IN IMAGE REPOSITORY).",
                )
            )

    # -- waiting -----------------------------------------------------------------------------
    def _wake_alike(self, step: Step) -> None:
        """At the run's first wait for a compute pool (or a service): every one of the
        plan's the scan listed suspended is resumed now, side by side (``resume_alike``)."""
        kind = step.id.rsplit("-", 1)[0]  # wait-pool-milvus: "wait-pool"
        if kind in ("wait-pool", "wait-service") and kind not in self._woken:
            self._woken.add(kind)
            for target in resume_alike(self.runner, self.plan, self._scanned, kind):
                self.on_event(resumed(step.id, target))

    def _listed_ready(self, step: Step) -> bool:
        """Whether a look before the first step already proved this wait done, and this
        run has changed nothing since: the wait's own first look (``_ask_ahead``), or
        for a compute pool the scan's SHOW row, which carries its state as DESCRIBE does
        (sql-reference/sql/show-compute-pools), so a re-run of a running deployment
        asks no DESCRIBE. What was not ready then, or anything this run changed since,
        is asked for as before."""
        if not self._unchanged():
            return False
        assert step.check is not None
        early = self._early.get(step.id)
        if early is not None:
            return step.check.satisfied_by(early)
        made = questions.pool_of(self.plan, step)
        rows = self._scanned.get(made.id) if made is not None else None
        if made is None or not rows:  # (a part of a plan may lack the pool)
            return False
        assert made.check is not None  # (the scan reads only steps with a check)
        return step.check.satisfied_by(made.check.proof(rows))

    def _unchanged(self) -> bool:
        """This run has changed nothing since the looks before its first step."""
        return len(self.runner.executed) == self._executed_at_scan
