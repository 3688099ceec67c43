"""Scripted trainees: a good and a bad way through every scenario, for the CLI, tests and demos.

A script is a fixed list of moves (say a line, or take a catalog action) and a close; it does not listen
to the customer, which is what makes the two scores comparable run after run. The good scripts
apologise, show empathy, own the problem, follow the procedure and make the policy-correct offer; the
bad ones make the customer repeat themselves, blame them, repeat themselves and offer the wrong thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from simulator.practice.events import AgentEvent, FieldValue
from simulator.practice.scenario import Scenario

__all__ = ["SCRIPTS", "Move", "ScriptName", "scripted_events"]

ScriptName = Literal["good", "bad"]


@dataclass(frozen=True, slots=True)
class Move:
    """Say ``text``, or take ``action`` (with ``fields``)."""

    text: str = ""
    action: str | None = None
    fields: Mapping[str, FieldValue] = field(default_factory=dict)

    def event(self, at: float) -> AgentEvent:
        if self.action:
            return AgentEvent(kind="action", at=at, action=self.action, fields=dict(self.fields))
        return AgentEvent(kind="utterance", at=at, text=self.text)


def say(text: str) -> Move:
    return Move(text=text)


def do(action: str, **fields: FieldValue) -> Move:
    return Move(action=action, fields=fields)


SCRIPTS: dict[str, dict[ScriptName, tuple[Move, ...]]] = {
    "angry_billing_dispute": {
        "good": (say("I'm so sorry you've been charged twice, and that last week's call didn't fix it. "
                     "I completely understand how frustrating that is."),
                 do("verify_identity"),
                 say("Thank you. I can see the duplicate 35.00 charge for March. I'll put this right myself, now."),
                 do("offer_refund_small", amount=35),
                 say("The 35.00 will be back on your card in three to five days. Anything else today?")),
        "bad": (say("Can you explain the problem from the beginning?"), do("offer_retention_discount"),
                say("You should have checked your statement sooner."),
                say("You should have checked your statement sooner."), say("Calm down, there's nothing I can do.")),
    },
    "repeated_outage": {
        "good": (say("I'm really sorry, a third contact in a week is not okay. I can see you've already restarted "
                     "the router and done the checks, so no need to repeat any of it."),
                 say("I'll take care of this personally and book an engineer to test the line."),
                 do("schedule_callback"), do("offer_refund_small", amount=10),
                 say("I've also added a 10.00 credit for the lost evenings. Is there anything else?")),
        "bad": (say("How can I help you today? What's the issue?"), do("send_knowledge_article"),
                say("Have you tried restarting the router? You must have missed a step."),
                say("Have you tried restarting the router? You must have missed a step."),
                say("There's nothing we can do until the article steps are done.")),
    },
    "refund_above_policy": {
        "good": (say("I'm sorry your refund hasn't arrived; three weeks is far too long. I understand how "
                     "frustrating that is."),
                 do("verify_identity"),
                 say("Thanks. I can see the return was received. It's above what I can approve myself, so I'll "
                     "raise it with my supervisor for approval right now."),
                 do("escalate_supervisor"),
                 say("Approval is requested; you'll have confirmation by email today. Anything else?")),
        "bad": (say("What's the problem with the order?"), do("offer_refund_large", amount=180),
                say("It's your responsibility to wait for the refund."),
                say("Policy is policy, I can't help you further.")),
    },
    "cancellation_threat": {
        "good": (say("I'm sorry about the price rise, and thank you for seven years with us. I understand why "
                     "that feels unfair."),
                 do("verify_identity"), say("Let me make sure we get you a fair price today."),
                 do("offer_retention_discount"),
                 say("That brings you below your old price for the next twelve months. Anything else?")),
        "bad": (say("What's the issue today?"), do("transfer_specialist"), say("Prices go up, that's just how it is."),
                say("While I have you, have you seen our premium plan upgrade?"),
                say("Prices go up, that's just how it is.")),
    },
    "vulnerable_customer": {
        "good": (say("I'm so sorry for your loss. Please take your time, there's no rush at all."),
                 say("That must be very hard. I'll take care of this for you, one step at a time."),
                 do("verify_identity"),
                 say("Thank you. I'll make sure no more payments go out, and our bereavement team will call you."),
                 do("schedule_callback"),
                 say("You'll get a letter confirming it too. Is there anything else worrying you?")),
        "bad": (say("Can you explain the problem quickly?"), do("offer_retention_discount"),
                say("While I have you, our premium package would save you money."),
                say("You should have cancelled the debit when he died.")),
    },
    "abusive_customer": {
        "good": (say("I'm sorry we missed your delivery after you took the day off; that's not okay."),
                 say("I'm here to help, but I need us to keep this respectful."),
                 say("I'll take care of this myself and log a formal complaint now."),
                 do("escalate_supervisor"), say("My team leader will call you back today before 5pm. Anything else?")),
        "bad": (say("Calm down, whatever."), say("Don't be stupid, it's not our fault."),
                do("offer_refund_large", amount=120)),
    },
    "identity_verification_failure": {
        "good": (say("I understand you want this sorted before the next bill. I just need to check a couple of "
                     "details first."),
                 do("verify_identity"),
                 say("I'm sorry, I can't change the plan without the account holder; it protects your partner's "
                     "account. I can see why that's frustrating."),
                 say("I'll make sure you have the steps to be added as an authorised user."),
                 do("send_knowledge_article"), say("Once that's done, we can switch the plan in minutes.")),
        "bad": (say("What's the issue?"), do("offer_plan_change"),
                say("You need to read the account terms, it's your partner's job."), say("Nothing I can do.")),
    },
    "channel_switch_mid_issue": {
        "good": (say("I'm sorry the chat dropped. I can see your chat notes, so no need to repeat anything."),
                 say("The notes say the router needs replacing, and I'll arrange that for you now."),
                 do("schedule_callback"), say("An engineer will bring the new router on Thursday morning. "
                                              "Anything else?")),
        "bad": (say("Can you tell me what the problem is, from the start?"),
                say("Can you describe everything again?"), say("You must have unplugged something."),
                say("There's no point, you'll have to start a new chat.")),
    },
}
"""Good and bad moves per scenario name."""

STEP_SECONDS: dict[ScriptName, float] = {"good": 30.0, "bad": 80.0}


def scripted_events(scenario: Scenario, script: ScriptName, *, with_guidance: bool = True) -> list[AgentEvent]:
    """The agent events of ``script`` for ``scenario``, timed, with a close at the end.

    With ``with_guidance`` the scenario's hints are shown as prompts first (standing in for the real
    guidance, which an offline run does not have): the good trainee accepts the right ones and dismisses
    the wrong ones, the bad one ignores them all. Raises KeyError for a scenario without scripts.
    """
    moves = SCRIPTS[scenario.name][script]
    events: list[AgentEvent] = []
    if with_guidance:
        events += [AgentEvent(kind="prompt", at=0.0, action=hint) for hint in scenario.hints]
        if script == "good":
            events += [AgentEvent(kind="feedback", at=1.0, action=hint,
                                  verdict="dismissed" if hint in scenario.policy.forbidden else "accepted")
                       for hint in scenario.hints]
    step = STEP_SECONDS[script]
    events += [move.event(step * (i + 1)) for i, move in enumerate(moves)]
    events.append(AgentEvent(kind="close", at=step * (len(moves) + 1), outcome="resolved"))
    return events
