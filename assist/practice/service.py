"""Practice mode for trainers: runs of scenarios, trainees working through them, live view, debriefs.

A run queues every scenario for every trainee; each trainee gets one practice contact at a time, offered
through the ordinary agent stream (flagged ``practice``), and the next when the previous ends. The
customer side is ``SimulatedCustomer``, whose hooks the app adds to the SessionService.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from assist.auth.principal import Principal, Role
from assist.errors import Conflict, Forbidden, InvalidInput, NotFound
from assist.ids import new_id
from assist.practice import repository as repo
from assist.practice.customer import PRACTICE_IDENTIFIER, SimulatedCustomer, agent_event
from assist.practice.scenarios import load_scenario, load_scenarios
from assist.practice.schemas import (
    DebriefView,
    HistoryEntry,
    LogLine,
    PracticeSessionView,
    ReplayCheck,
    RubricView,
    RunCreate,
    RunSummary,
    RunView,
    ScenarioProgress,
    ScenarioView,
    TraineeHistory,
    TriggerView,
)
from assist.practice.tables import PracticeEvent, PracticeRun, PracticeScenario, PracticeSession
from assist.sessions.schemas import OfferRequest
from assist.sessions.service import SessionService
from assist.stores.sql import Database
from simulator.practice import WEIGHTS, CustomerVoice, Scenario, replay
from simulator.practice.from_journey import scenario_from_journey
from simulator.practice.rubric import check_weights
from simulator.practice.scenario import scenario_to_dict

OFFER_SECONDS = 600.0
"""A practice offer waits up to ten minutes for the trainee to accept (the longest an offer may wait)."""
TRAINERS = (Role.TRAINER, Role.ADMIN)


def session_seed(run_seed: int, scenario: str) -> int:
    """The customer's seed for ``scenario`` in a run: the same for every trainee, so scores compare."""
    digest = hashlib.sha256(f"{run_seed}:{scenario}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def scenario_view(scenario: Scenario) -> ScenarioView:
    persona, policy = scenario.persona, scenario.policy
    return ScenarioView(name=scenario.name, title=scenario.title, reason=scenario.reason, channel=scenario.channel,
                        persona=persona.name, summary=persona.summary, goal=persona.goal,
                        temperament=persona.temperament, start_mood=persona.start_mood, patience=persona.patience,
                        target_seconds=scenario.target_seconds, resolves=sorted(policy.resolves),
                        forbidden=dict(policy.forbidden), requires_verification=policy.requires_verification,
                        triggers=[TriggerView(when=t.when, reaction=t.reaction, threshold=t.threshold)
                                  for t in scenario.triggers])


def _unique(values: Sequence[str], what: str) -> list[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise InvalidInput(f"{what} {value!r} is listed twice", code=f"duplicate_{what}")
        seen.add(value)
    return list(values)


class PracticeService:
    def __init__(self, db: Database, sessions: SessionService, voice: CustomerVoice | None = None,
                 offer_seconds: float = OFFER_SECONDS) -> None:
        self.db = db
        self.sessions = sessions
        self.offer_seconds = offer_seconds
        self.customer = SimulatedCustomer(db, sessions, self._finished, voice)

    async def scenarios(self) -> list[ScenarioView]:
        """The library's scenarios, then the ones trainers built."""
        return [scenario_view(s) for s in (await load_scenarios(self.db)).values()]

    async def scenario_from_journey(self, principal: Principal, journey_id: str, name: str | None) -> ScenarioView:
        """Build and store a scenario from the closed journey ``journey_id``, its customer's words masked.

        Raises NotFound (no such journey), InvalidInput (not closed, no customer words, nothing resolved it:
        ``journey_not_usable``) or Conflict (the name is taken: ``scenario_exists``).
        """
        journey = await self.sessions.journeys.get(journey_id)
        if journey is None or journey.practice:
            raise NotFound(f"no journey {journey_id!r}", code="unknown_journey")
        try:
            scenario = scenario_from_journey(journey.model_dump(), name)
        except ValueError as exc:
            raise InvalidInput(f"journey {journey_id!r} cannot become a scenario: {exc}",
                               code="journey_not_usable") from None
        if scenario.name in await load_scenarios(self.db, [scenario.name]):
            raise Conflict(f"a scenario called {scenario.name!r} exists", code="scenario_exists")
        async with self.db.session() as s:
            s.add(PracticeScenario(name=scenario.name, title=scenario.title, source_journey=journey_id,
                                   created_by=principal.subject, data=scenario_to_dict(scenario)))
        return scenario_view(scenario)

    def rubric(self) -> RubricView:
        return RubricView(weights=WEIGHTS)

    async def create_run(self, principal: Principal, body: RunCreate) -> RunView:
        """Store the run, queue its sessions and offer each trainee their first scenario.

        Raises InvalidInput (unknown or repeated scenario, repeated or unknown trainee, rubric weights that
        are not a full rubric) before storing anything.
        """
        scenarios = _unique(body.scenarios, "scenario")
        found = await load_scenarios(self.db, scenarios)
        unknown = [name for name in scenarios if name not in found]
        if unknown:
            raise InvalidInput(f"unknown scenario(s): {', '.join(unknown)}", code="unknown_scenario",
                               extra={"known": list(await load_scenarios(self.db))})
        trainees = _unique(body.trainees, "trainee")
        try:
            weights = check_weights(body.weights) if body.weights is not None else None
        except ValueError as exc:
            raise InvalidInput(str(exc), code="invalid_weights", extra={"criteria": list(WEIGHTS)}) from None
        run = PracticeRun(id=new_id("PR-"), name=body.name, created_by=principal.subject, scenarios=scenarios,
                          seed=body.seed if body.seed is not None else secrets.randbelow(2**31), weights=weights)
        async with self.db.session() as s:
            limits = await self._check_trainees(s, trainees)
            s.add(run)
            await s.flush()
            firsts = self._queue(s, run, trainees, limits)
        for first in firsts:
            await self._offer(first)
        return await self.run_view(run.id)

    async def assign(self, run_id: str, trainees: Sequence[str]) -> RunView:
        """Add trainees to a run; raises NotFound, Conflict (already assigned) or InvalidInput (unknown)."""
        wanted = _unique(trainees, "trainee")
        async with self.db.session() as s:
            run = await s.get(PracticeRun, run_id)
            if run is None:
                raise NotFound(f"no practice run {run_id!r}", code="unknown_practice_run")
            assigned = {p.trainee_id for p in await repo.sessions_of_run(s, run_id)}
            again = [t for t in wanted if t in assigned]
            if again:
                raise Conflict(f"already assigned: {', '.join(again)}", code="already_assigned")
            limits = await self._check_trainees(s, wanted)
            firsts = self._queue(s, run, wanted, limits)
            run.status = "running"
            s.add(run)
        for first in firsts:
            await self._offer(first)
        return await self.run_view(run_id)

    async def _check_trainees(self, s: AsyncSession, trainees: Sequence[str]) -> dict[str, float]:
        known = await repo.known_agents(s, trainees)
        missing = [t for t in trainees if t not in known]
        if missing:
            raise InvalidInput(f"no active agent(s): {', '.join(missing)}", code="unknown_trainee")
        return await repo.refund_limits(s, trainees)

    @staticmethod
    def _queue(s: AsyncSession, run: PracticeRun, trainees: Sequence[str],
               limits: dict[str, float]) -> list[PracticeSession]:
        firsts = []
        for trainee in trainees:
            for position, name in enumerate(run.scenarios):
                row = PracticeSession(id=new_id("PS-"), run_id=run.id, trainee_id=trainee,
                                      position=position, scenario=name, seed=session_seed(run.seed, name),
                                      refund_limit=limits.get(trainee, 50.0))
                s.add(row)
                if position == 0:
                    firsts.append(row)
        return firsts

    async def _offer(self, practice: PracticeSession) -> None:
        scenario = await load_scenario(self.db, practice.scenario)
        state = await self.sessions.offer(OfferRequest(
            agent_id=practice.trainee_id, channel=scenario.channel, reason=scenario.reason,
            identifiers={PRACTICE_IDENTIFIER: practice.id}, practice=True, expires_in_seconds=self.offer_seconds))
        async with self.db.session() as s:
            await repo.move(s, practice.id, ("queued",), status="offered", session_id=state.id,
                            offer_expires_at=state.expires_at)

    async def _finished(self, practice: PracticeSession) -> None:
        """A session ended: offer the trainee's next scenario, or finish the run."""
        async with self.db.session() as s:
            following = await repo.next_queued(s, practice.run_id, practice.trainee_id)
        if following is not None:
            await self._offer(following)
            return
        async with self.db.session() as s:
            await repo.finish_run_if_done(s, practice.run_id)

    async def runs(self) -> list[RunSummary]:
        async with self.db.session() as s:
            rows = await repo.list_runs(s)
        return [RunSummary(id=r.id, name=r.name, created_by=r.created_by, created_at=r.created_at, status=r.status,
                           scenarios=r.scenarios) for r in rows]

    async def run_view(self, run_id: str) -> RunView:
        """The run as a trainer watches it: each session's status, the customer's mood and the log so far."""
        async with self.db.session() as s:
            run = await s.get(PracticeRun, run_id)
            if run is None:
                raise NotFound(f"no practice run {run_id!r}", code="unknown_practice_run")
            sessions = await repo.sessions_of_run(s, run_id)
            logs = await repo.events_of_many(s, [p.id for p in sessions])
        views = [_session_view(p, logs[p.id]) for p in sessions]
        return RunView(id=run.id, name=run.name, created_by=run.created_by, created_at=run.created_at, seed=run.seed,
                       weights=run.weights or WEIGHTS, status=run.status, scenarios=run.scenarios,
                       trainees=list(dict.fromkeys(p.trainee_id for p in sessions)), sessions=views)

    async def _find(self, any_id: str) -> PracticeSession:
        async with self.db.session() as s:
            practice = await repo.find_session(s, any_id)
        if practice is None:
            raise NotFound(f"no practice session {any_id!r}", code="unknown_practice_session")
        return practice

    async def debrief(self, principal: Principal, any_id: str) -> DebriefView:
        """The debrief of a finished session, for trainers, admins and the trainee who played it.

        ``any_id`` is the practice session id or its agent-stream session id. Raises NotFound, Forbidden
        (someone else's session) or Conflict (not finished yet).
        """
        practice = await self._find(any_id)
        if principal.role not in TRAINERS and not principal.may_act_as(practice.trainee_id):
            raise Forbidden("only trainers and the trainee may read this debrief", code="not_your_session")
        if practice.debrief is None:
            raise Conflict(f"practice session is {practice.status}; the debrief comes when it ends",
                           code="practice_not_finished")
        return DebriefView(id=practice.id, session_id=practice.session_id, trainee_id=practice.trainee_id,
                           scenario=practice.scenario, debrief=practice.debrief)

    async def history(self, principal: Principal, trainee_id: str) -> TraineeHistory:
        """A trainee's finished sessions over time and their progress per scenario (trainers, or the trainee)."""
        if principal.role not in TRAINERS and not principal.may_act_as(trainee_id):
            raise Forbidden("only trainers and the trainee may read this history", code="not_your_history")
        async with self.db.session() as s:
            rows = await repo.finished_of_trainee(s, trainee_id)
        sessions = [HistoryEntry(id=p.id, run_id=p.run_id, run_name=name, scenario=p.scenario, ended_at=p.ended_at,
                                 score=p.score, outcome=p.outcome,
                                 criteria={c["name"]: c["score"] for c in (p.debrief or {}).get("rubric", [])})
                    for p, name in rows]
        by_scenario: dict[str, list[float]] = {}
        for entry in sessions:
            if entry.score is not None:
                by_scenario.setdefault(entry.scenario, []).append(entry.score)
        progress = [ScenarioProgress(scenario=name, runs=len(scores), first=scores[0], latest=scores[-1],
                                     best=max(scores), change=round(scores[-1] - scores[0], 1))
                    for name, scores in by_scenario.items()]
        return TraineeHistory(trainee_id=trainee_id, sessions=sessions, progress=progress)

    async def replay_check(self, any_id: str) -> ReplayCheck:
        """Re-run a finished session from its stored inputs and compare with what was stored."""
        practice = await self._find(any_id)
        if practice.debrief is None:
            raise Conflict(f"practice session is {practice.status}; replay needs a finished one",
                           code="practice_not_finished")
        async with self.db.session() as s:
            rows = await repo.events_of(s, practice.id)
            run = await s.get(PracticeRun, practice.run_id)
        inputs = [e for r in rows if (e := agent_event(r)) is not None]
        scenario = await load_scenario(self.db, practice.scenario)
        result = replay(scenario, practice.seed, inputs, practice.refund_limit, self.customer.voice,
                        run.weights if run else None)
        stored = [(r.text, r.mood) for r in rows if r.source == "customer"]
        replayed = [(line.text, line.mood) for line in result.transcript if line.speaker == "customer"]
        differences = [f"customer turn {i}: stored {a!r}, replayed {b!r}"
                       for i, (a, b) in enumerate(zip(stored, replayed, strict=False)) if a != b]
        if len(stored) != len(replayed):
            differences.append(f"{len(stored)} customer turns stored, {len(replayed)} replayed")
        if result.debrief.score != practice.score:
            differences.append(f"score: stored {practice.score}, replayed {result.debrief.score}")
        return ReplayCheck(id=practice.id, matches=not differences, differences=differences,
                           debrief=result.debrief.to_dict())


def _session_view(practice: PracticeSession, rows: Sequence[PracticeEvent]) -> PracticeSessionView:
    moods = [r.mood for r in rows if r.source == "customer" and r.mood is not None]
    return PracticeSessionView(
        id=practice.id, session_id=practice.session_id, trainee_id=practice.trainee_id, scenario=practice.scenario,
        position=practice.position, status=practice.status, seed=practice.seed, mood=moods[-1] if moods else None,
        outcome=practice.outcome, score=practice.score,
        log=[LogLine(seq=r.seq, source=r.source, kind=r.kind, at=r.at, text=r.text, action=r.action,
                     verdict=r.verdict, outcome=r.outcome, mood=r.mood) for r in rows])
