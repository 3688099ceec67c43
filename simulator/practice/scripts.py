"""Scripted trainees: a good and a bad way through every scenario, for the CLI, tests and demos.

A script is a fixed list of moves (say a line, or take a catalog action) and a close; it does not listen
to the customer, which is what makes the scores comparable run after run. The good scripts apologise,
show empathy, own the problem, follow the procedure and make the policy-correct offer; the bad ones make
the customer repeat themselves, blame them, repeat themselves and offer the wrong thing.

Five more trainees test that the score measures skill, not words: ``paraphrased`` does what the good
one does in other words (written separately, sharing no sentence with it); ``stuffed`` takes the good
actions but says one string of every trigger phrase at each turn; ``formulaic`` takes the good actions and says
a different sorry-understand-I'll-sort-it formula at each turn (never stacked, never repeated word for
word, never explaining anything); ``silent`` takes the good actions and
says only "Okay."; ``empathy_only`` apologises and sympathises, never resolves, and closes as resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from simulator.practice.events import AgentEvent, FieldValue
from simulator.practice.scenario import Scenario

__all__ = ["PARAPHRASED", "SCRIPTS", "SCRIPT_NAMES", "STUFFED_LINE", "Move", "ScriptName", "scripted_events"]

ScriptName = Literal["good", "bad", "paraphrased", "stuffed", "formulaic", "silent", "empathy_only"]
SCRIPT_NAMES: tuple[ScriptName, ...] = ("good", "bad", "paraphrased", "stuffed", "formulaic", "silent",
                                        "empathy_only")


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

PARAPHRASED: dict[str, tuple[Move, ...]] = {
    "angry_billing_dispute": (
        say("Two charges for the same month, after you'd already rung us about it: I apologise, that's on us. "
            "It sounds really maddening."),
        do("verify_identity"),
        say("Thanks for confirming. The second 35.00 in March is a duplicate our system took. Leave it with me."),
        do("offer_refund_small", amount=35),
        say("Your money should reach your card within five working days. Can I help with anything else?")),
    "repeated_outage": (
        say("Apologies, three contacts in one week is more than anyone should put up with. Your notes show "
            "you've done the restarts already, you don't need to go through them again."),
        say("I'm taking this on myself and getting an engineer out to check the line properly."),
        do("schedule_callback"), do("offer_refund_small", amount=10),
        say("There's a 10.00 goodwill credit on the account as well. What else can I do for you?")),
    "refund_above_policy": (
        say("Apologies that you're still waiting on this; that's far longer than it should take. It's a fair "
            "thing to be annoyed about."),
        do("verify_identity"),
        say("Thank you. The return reached us fine. The amount is over my personal approval limit, so I'm "
            "taking it to my supervisor to approve now."),
        do("escalate_supervisor"),
        say("The approval has been requested and an email confirming it will reach you today. Is there "
            "anything more you need?")),
    "cancellation_threat": (
        say("Apologies for the increase, and thanks for staying with us all these years. It's a fair point "
            "that it feels unjust."),
        do("verify_identity"), say("I'm going to sort out a fairer price for you right now."),
        do("offer_retention_discount"),
        say("That puts you under what you used to pay for a full year. Is there anything more I can do?")),
    "vulnerable_customer": (
        say("I'm very sorry about your husband. There's no hurry at all, we'll go as slowly as you like."),
        say("It sounds like a very difficult time. I'm going to look after this for you, bit by bit."),
        do("verify_identity"),
        say("Thanks. I'll stop any further payments and someone from our bereavement team will ring you."),
        do("schedule_callback"),
        say("A letter will follow to confirm it. Is there anything else on your mind?")),
    "abusive_customer": (
        say("Apologies that the delivery never came when you'd taken the day off for it; that's really poor "
            "of us."),
        say("I want to help you, but I need us to keep this respectful."),
        say("I'm handling this myself and recording a formal complaint right now."),
        do("escalate_supervisor"),
        say("My team leader is going to phone you back before 5pm today. Is there anything else?")),
    "identity_verification_failure": (
        say("I can hear you want it changed before the next bill comes. First I have to run a quick "
            "security check."),
        do("verify_identity"),
        say("Apologies, I'm not able to change the plan without the account holder; that rule protects your "
            "partner. I know that's annoying."),
        say("I'm going to send you the steps for being added as an authorised user."),
        do("send_knowledge_article"), say("After you're added, changing the plan only takes a few minutes.")),
    "channel_switch_mid_issue": (
        say("Apologies that the chat cut out on you. Your chat is in front of me, so you won't need to go "
            "through it again."),
        say("From the notes, the router has to be replaced, and I'm setting that up for you now."),
        do("schedule_callback"), say("The engineer is coming with a new router on Thursday morning. Anything "
                                     "more I can help with?")),
}
"""The good runs in other words: same actions, same order, no sentence shared with ``SCRIPTS``."""

STUFFED_LINE = ("I'm so sorry, I completely understand how frustrating that is, I'll take care of it personally, "
                "I can see your notes so no need to repeat, take your time, I'm here to help but keep this "
                "respectful, leave it with me, I apologise, that must be stressful.")
"""Every trigger phrase of the rubric strung into one reply."""
_FORMULAS = ("I'm so sorry. That sounds awful. Leave it with me.",
             "My apologies. I completely understand. I'll sort it myself.",
             "Really sorry about this. I can imagine how annoying it is. I'm on it.",
             "I apologise again. You've every right to be upset. I'll handle it personally.",
             "Sorry once more. That must be so stressful. Consider it handled.")
_EMPATHY_ONLY = ("I'm so sorry about all of this.", "I completely understand how frustrating that must be.",
                 "I hear you, and I'm really sorry.", "That sounds so stressful, I'd feel the same.",
                 "It's all sorted now, thank you for your patience.")

STEP_SECONDS: dict[ScriptName, float] = {"good": 30.0, "bad": 80.0, "paraphrased": 30.0, "stuffed": 30.0,
                                         "formulaic": 30.0, "silent": 30.0, "empathy_only": 30.0}


def _moves(scenario: Scenario, script: ScriptName) -> tuple[Move, ...]:
    good = SCRIPTS[scenario.name]["good"]
    if script in ("good", "bad"):
        return SCRIPTS[scenario.name][script]
    if script == "paraphrased":
        return PARAPHRASED[scenario.name]
    if script == "stuffed":
        return tuple(say(STUFFED_LINE) if move.text else move for move in good)
    if script == "formulaic":
        said = iter(_FORMULAS * 3)
        return tuple(say(next(said)) if move.text else move for move in good)
    if script == "silent":
        return tuple(say("Okay.") if move.text else move for move in good)
    procedure = tuple(move for move in good if move.action == "verify_identity")
    return (say(_EMPATHY_ONLY[0]), *procedure, *(say(line) for line in _EMPATHY_ONLY[1:]))


def scripted_events(scenario: Scenario, script: ScriptName, *, with_guidance: bool = True) -> list[AgentEvent]:
    """The agent events of ``script`` for ``scenario``, timed, with a close at the end.

    With ``with_guidance`` the scenario's hints are shown as prompts first (standing in for the real
    guidance, which an offline run does not have): the good trainee accepts the right ones and dismisses
    the wrong ones, the bad one ignores them all. Raises KeyError for a scenario without scripts.
    """
    moves = _moves(scenario, script)
    events: list[AgentEvent] = []
    if with_guidance:
        events += [AgentEvent(kind="prompt", at=0.0, action=hint) for hint in scenario.hints]
        if script != "bad":
            events += [AgentEvent(kind="feedback", at=1.0, action=hint,
                                  verdict="dismissed" if hint in scenario.policy.forbidden else "accepted")
                       for hint in scenario.hints]
    step = STEP_SECONDS[script]
    events += [move.event(step * (i + 1)) for i, move in enumerate(moves)]
    events.append(AgentEvent(kind="close", at=step * (len(moves) + 1), outcome="resolved"))
    return events
