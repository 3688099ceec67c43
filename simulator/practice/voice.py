"""How the simulated customer words a turn: a ``CustomerVoice`` turns a ``Cue`` into text.

The engine decides *what* happens (the moment: an apology landed, a trigger fired, the goal was met) and
the voice only decides *how it sounds*. ``TemplateVoice`` picks from varied templates with a random
generator seeded by (seed, scenario, turn), so the same seed always gives the same words whatever order
turns are computed in. A language model can be plugged in by implementing ``CustomerVoice``; replay is
then exact only if the model is deterministic for a cue (temperature 0, or a cache keyed by the cue).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal, Protocol

from simulator.practice.persona import Step
from simulator.practice.phrasebank import ASIDES, INTERRUPTIONS, compose, opening, thanks
from simulator.practice.scenario import Scenario
from simulator.practice.signals import Signal

__all__ = ["Cue", "CustomerVoice", "Moment", "TemplateVoice", "mood_band", "moment_for"]

Moment = Literal["opening", "hang_up", "demand_supervisor", "threaten_cancel", "threaten_complaint",
                 "overwhelmed", "goal_met", "after_goal", "verify_pass", "verify_fail", "wrong_policy", "rude",
                 "blamed", "dismissed", "asked_to_repeat", "repeated", "pressured", "escalated", "soothed",
                 "waiting"]
Band = Literal["hostile", "upset", "guarded", "warm"]


@dataclass(frozen=True, slots=True)
class Cue:
    """Everything a voice may use for the next customer turn."""

    scenario: Scenario
    moment: Moment
    mood: float
    patience: int
    turn: int
    seed: int
    goal_met: bool = False
    agent_text: str = ""
    agent_action: str | None = None
    violation: str | None = None
    """The code of the violation the customer reacts to (forbidden, unverified, over_limit, conduct)."""


class CustomerVoice(Protocol):
    def say(self, cue: Cue) -> str:
        """The customer's words for ``cue``; must not be empty."""
        ...


def mood_band(mood: float) -> Band:
    """The tone for a mood: hostile below -0.6, upset below -0.2, guarded below 0.2, warm above."""
    if mood < -0.6:
        return "hostile"
    if mood < -0.2:
        return "upset"
    return "guarded" if mood < 0.2 else "warm"


_NEGATIVE_MOMENTS: tuple[tuple[Signal, Moment], ...] = (
    (Signal.WRONG_POLICY, "wrong_policy"), (Signal.RUDE, "rude"), (Signal.BLAME, "blamed"),
    (Signal.DISMISSIVE, "dismissed"), (Signal.ASKS_REPEAT, "asked_to_repeat"), (Signal.REPETITION, "repeated"),
    (Signal.PRESSURE, "pressured"))


def moment_for(step: Step, action: str | None) -> Moment:
    """What the customer reacts to after ``step``: a fired trigger first, then the goal, then the worst
    thing the trainee did, then whether the mood rose."""
    reaction = step.reaction
    if reaction is not None:
        return reaction
    if step.goal_reached:
        return "goal_met"
    for signal, moment in _NEGATIVE_MOMENTS:
        if signal in step.signals:
            return moment
    if step.verification is not None:
        return "verify_pass" if step.verification == "pass" else "verify_fail"
    if step.before.goal_met:
        return "after_goal"
    if action == "escalate_supervisor":
        return "escalated"
    return "soothed" if step.delta > 0 else "waiting"


_GENERIC: dict[str, dict[str, tuple[str, ...]]] = {
    "soothed": {
        "hostile": ("Sorry doesn't fix anything, but go on.", "Fine. I'm still angry, though.",
                    "Okay. Words are easy.", "I've heard that before.", "Saying sorry is the easy bit.",
                    "Nice words. Now what?", "I'll believe it when I see it."),
        "upset": ("Okay. I appreciate that.", "Thank you for saying that.", "Right. So what happens now?",
                  "Okay, at least someone's listening.", "That's something, I suppose.",
                  "Thanks. But I still need it fixed.", "Alright. What are you going to do?"),
        "guarded": ("Okay, thanks.", "That helps, thank you.", "Alright, thank you.", "Okay, that's fair.",
                    "Thanks, I appreciate that.", "Okay. What's next?", "Right, thank you."),
        "warm": ("Thanks, I appreciate it.", "That's kind, thank you.", "Thanks, that's reassuring.",
                 "That's good to hear.", "Thank you, really.", "Oh, that's a relief.", "Thanks, that helps a lot.")},
    "waiting": {
        "hostile": ("I'm still waiting for an actual answer. This is ridiculous.", "You're not listening. Again.",
                    "This is a joke. What are you going to do?", "Are you actually going to do anything?",
                    "I'm still waiting. Still.", "Just fix it. That's all I'm asking.",
                    "Like I said, I'm still waiting for an answer."),
        "upset": ("I'm still waiting to hear what you'll do.", "And? I'm still waiting.",
                  "That doesn't really help me.", "So what are you actually doing about it?",
                  "Like I said, I just want it sorted.", "I'm not sure that answers my question.",
                  "Okay, but what happens now?"),
        "guarded": ("Okay...", "Right.", "Go on.", "Okay, and?", "Mm, okay.", "So what now?", "Alright."),
        "warm": ("Sure.", "Okay, go on.", "Alright.", "Okay, no problem.", "Sure, take your time.", "Right, okay.",
                 "Fine by me.")},
    "blamed": {"*": ("My fault? Are you serious? That's outrageous.", "Don't blame me for your mistake. "
                     "Unacceptable.", "So it's my fault now. Unbelievable.", "Excuse me? I did everything right.",
                     "Don't put this on me. That's outrageous.", "I'm not the one who got it wrong here.")},
    "dismissed": {"*": ("Don't tell me to calm down. That's pathetic.", "Nothing you can do? Then what are you for?",
                        "That's a useless answer.", "So that's it? That's pathetic.",
                        "Don't brush me off like that.", "That's not good enough and you know it.")},
    "asked_to_repeat": {"*": ("I've already explained all this. Again?! {restate}",
                              "Do you people not keep notes? I'm fed up repeating myself. {restate}",
                              "For the third time: {restate}", "I've said this already. {restate}",
                              "Again? Fine. {restate}", "Didn't anyone write this down? {restate}")},
    "repeated": {"*": ("You already said that. You're repeating yourself.",
                       "Same words again. Are you even listening?", "I heard you the first time.",
                       "You've said that already.", "Is this a script? You keep saying the same thing.",
                       "Yes, you said. And?")},
    "pressured": {"*": ("I'm not interested in buying anything right now.", "Please don't try to sell me something.",
                        "That's not why I called.", "I don't want anything else, I want this fixed.",
                        "No thanks. Can we stick to my problem?", "Really? You're selling to me now?")},
    "rude": {"*": ("Excuse me? Don't talk to me like that. I want to complain.",
                   "How dare you speak to me like that. Appalling.", "Wow. That's disgusting service.",
                   "Did you just say that to me? Appalling.", "That's completely unacceptable. I want to complain.")},
    "escalated": {"*": ("Fine, put me through to them.", "Okay, a supervisor. Let's see if they can help.",
                        "Right. Someone senior, then.", "Okay. I hope they can actually do something.",
                        "Fine. Put me through.")},
    "after_goal": {"*": ("Thanks, that's all I needed.", "Nothing else, thank you.", "Okay, thank you.",
                         "No, that's everything, thanks.", "That's it, thanks.", "All good, thank you.")},
    "demand_supervisor": {"*": ("I want to speak to a manager. Now.", "Get me your supervisor, I'm done with this.",
                                "Put me through to someone senior. A manager, please.",
                                "I'm not talking to you any more. Get me a manager.",
                                "Can I speak to your supervisor, please?",
                                "I want your manager on the line.")},
    "threaten_cancel": {"*": ("If this isn't fixed today I'm cancelling and switching to someone else.",
                              "I'm this close to cancelling my account.", "Honestly, I'm ready to leave you.",
                              "I'll cancel. I mean it.", "Give me one reason not to cancel right now.")},
    "threaten_complaint": {"*": ("I'll be making a formal complaint about this.",
                                 "I'm going to take this to the ombudsman.", "This is going in a complaint.",
                                 "I want to make a formal complaint.", "I'll be writing to complain about this.")},
    "overwhelmed": {"*": ("I'm sorry, this is all too much for me... I don't understand.",
                          "Oh dear, I'm getting confused. Can you slow down?",
                          "I'm sorry, I'm finding this very hard.", "I don't follow, I'm sorry.",
                          "It's too much, dear. I'm all muddled.")},
    "hang_up": {"*": ("Forget it. I'm done. Goodbye.", "I'm hanging up. Useless.",
                      "That's it, I'm going elsewhere. Bye.", "I've had enough. Goodbye.",
                      "Don't bother. I'm going."),
                "anxious": ("I'm sorry, I can't do this now. I'll have someone call you. Goodbye.",
                            "I need to go. I'm sorry. Goodbye.", "I can't cope with this. Goodbye.")},
}
_WRONG_POLICY: dict[str, tuple[str, ...]] = {
    "forbidden": ("That's not what I asked for.", "How does that help with my problem?",
                  "No. That's not what I called about."),
    "unverified": ("Hang on, don't you need to check who I am first?",
                   "Shouldn't you have checked my details before that?"),
    "over_limit": ("Are you actually allowed to promise that?",
                   "Last time someone promised me that and it never happened."),
}
_COMPOSED = frozenset({"soothed", "waiting", "blamed", "dismissed", "repeated", "pressured", "escalated",
                       "after_goal", "wrong_policy"})
"""Moments worded through the phrase bank's lead-ins and tails (the rest are said as written)."""
INTERRUPT_WORDS = 25
"""On the phone, an upset customer may cut across an answer this long or longer."""
ASIDE_CHANCE = 0.08
_RESTATE_AFTER = frozenset({"soothed", "waiting", "blamed", "dismissed", "repeated", "pressured", "verify_pass",
                            "wrong_policy", "escalated"})


class TemplateVoice:
    """Varied template text: a scenario line for openings, verification and the goal, generic reactions
    otherwise, each dressed by the phrase bank for the channel and mood; the goal restated now and then
    (always when patience is nearly gone); on the phone a long answer may be interrupted; now and then an
    off-topic aside."""

    def say(self, cue: Cue) -> str:
        rng = random.Random(f"{cue.seed}:{cue.scenario.name}:{cue.turn}")
        lines = cue.scenario.lines
        channel, band = cue.scenario.channel, mood_band(cue.mood)
        restate = rng.choice(lines.restate).format(**lines.slots)
        core = rng.choice(self._templates(cue))
        if cue.moment == "opening":
            text = opening(core, rng, channel, cue.scenario.persona.temperament)
        elif cue.moment == "goal_met":
            text = thanks(core, rng)
        elif cue.moment in _COMPOSED:
            text = compose(core, rng, channel, band)
        else:
            text = core
        if (cue.moment in _RESTATE_AFTER and not cue.goal_met and "{restate}" not in text
                and (cue.patience <= 2 or rng.random() < 0.5)):
            text = f"{text} {restate}"
        if (channel == "phone" and band in INTERRUPTIONS and len(cue.agent_text.split()) >= INTERRUPT_WORDS
                and rng.random() < 0.5):
            text = f"{rng.choice(INTERRUPTIONS[band])} {text}"
        if cue.moment in ("waiting", "soothed") and rng.random() < ASIDE_CHANCE:
            text = f"{text} {rng.choice(ASIDES)}"
        return text.replace("{restate}", restate).format(**lines.slots)

    @staticmethod
    def _templates(cue: Cue) -> tuple[str, ...]:
        lines = cue.scenario.lines
        scenario_lines: dict[str, tuple[str, ...]] = {"opening": lines.opening, "goal_met": lines.goal_met,
                                                      "verify_pass": lines.verify_pass,
                                                      "verify_fail": lines.verify_fail}
        if cue.moment in scenario_lines:
            return scenario_lines[cue.moment]
        if cue.moment == "wrong_policy":
            return _WRONG_POLICY.get(cue.violation or "forbidden", _WRONG_POLICY["forbidden"])
        variants = _GENERIC[cue.moment]
        return (variants.get(cue.scenario.persona.temperament) or variants.get(mood_band(cue.mood))
                or variants["*"])
