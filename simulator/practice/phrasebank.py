"""The customer's phrase bank: a small grammar that turns one core line into hundreds of ways to say it.

A customer line is ``lead-in + core + tail``: the core carries the meaning (and the words the real
guidance listens for: the sentiment lexicon's, "manager"/"supervisor", "that's great"/"sorted"), the
lead-in and the tail carry the voice, picked by channel (people type differently from how they talk) and
mood band. With about ten of each around three to twelve cores, every moment and mood has hundreds of
possible lines. On top of that ``TemplateVoice`` adds the texture of real talk: interrupting a long answer
on the phone, repeating themselves, an off-topic aside now and then. Everything is drawn from a generator
the caller seeds, so a replay says exactly the same.
"""

from __future__ import annotations

import random
import re

__all__ = ["ASIDES", "INTERRUPTIONS", "compose", "opening", "thanks"]

_LEADS: dict[str, dict[str, tuple[str, ...]]] = {
    "phone": {
        "hostile": ("", "", "Look,", "Listen,", "Oh, come on.", "Right.", "Seriously?", "Unbelievable.", "No, no.",
                    "I'm sorry, but", "Honestly,", "Are you kidding me?"),
        "upset": ("", "", "Well,", "Look,", "Right,", "Hmm.", "Okay, but", "I mean,", "The thing is,",
                  "Honestly,", "Sorry, but", "Yeah, well,"),
        "guarded": ("", "", "Okay.", "Right.", "Mm.", "Well,", "Okay, well,", "Alright,", "I see.", "Hmm, okay.",
                    "Uh-huh.", "So,"),
        "warm": ("", "", "Oh,", "Oh good.", "Right,", "Ah,", "Okay,", "Lovely.", "Great,", "Oh, right,",
                 "Well,", "Okay then,")},
    "chat": {
        "hostile": ("", "", "seriously?", "wow.", "ugh.", "look,", "no.", "come on.", "unreal.", "right...",
                    "honestly", "???"),
        "upset": ("", "", "ok but", "hmm", "right,", "well", "look", "ok...", "sorry but", "i mean", "so",
                  "yeah but"),
        "guarded": ("", "", "ok", "ok.", "right", "alright", "hm ok", "sure", "fine", "ok then", "i see", "k"),
        "warm": ("", "", "oh great", "ah ok", "ok :)", "thanks,", "nice", "oh good", "lovely", "right,", "cool",
                 "ok!")},
}
_LEADS["email"] = _LEADS["chat"]

_TAILS: dict[str, tuple[str, ...]] = {
    "hostile": ("", "", "", "This is ridiculous.", "I'm fed up.", "Unacceptable.", "I'm still waiting.",
                "Every single time.", "I've had enough.", "What a joke.", "Useless."),
    "upset": ("", "", "", "I'm not happy.", "It's frustrating.", "I'm still waiting.", "This keeps happening.",
              "It's been ages.", "I'm disappointed.", "It's a mess.", "I'm worried."),
    "guarded": ("", "", "", "Go on.", "We'll see.", "Okay.", "If you say so.", "Let's see.", "Fine.",
                "Carry on.", "Alright."),
    "warm": ("", "", "", "Thanks.", "Thank you.", "That's kind.", "I appreciate it.", "Good.", "Cheers.",
             "That helps.", "Thanks for that."),
}

_OPENING_LEADS: dict[str, tuple[str, ...]] = {
    "phone": ("", "Hi.", "Hello?", "Yes, hello.", "Hi, um,", "Hello, yes,", "Right, hi.", "Hi there.",
              "Hello, is that customer services?", "Yes, hi, finally.", "Hello. Okay,", "Good morning."),
    "chat": ("", "hi", "hello", "hi there", "Hi.", "Hello?", "hey", "hi, me again.", "Hello,", "hi. so",
             "ok so", "Hi, anyone there?"),
}
_OPENING_LEADS["email"] = _OPENING_LEADS["chat"]
_OPENING_TAILS: dict[str, tuple[str, ...]] = {
    "angry": ("", "", "I'm furious.", "This is ridiculous.", "Sort it out.", "I'm not having it again.",
              "I want it fixed today.", "Absolutely unacceptable.", "I'm fed up with you lot."),
    "anxious": ("", "", "I'm a bit worried.", "I hope you can help.", "Sorry to trouble you.",
                "I don't really understand it.", "It's been on my mind.", "I'm not sure what to do.",
                "Can you help?"),
    "analytical": ("", "", "I'd like a clear answer.", "Please check the details.", "I have the reference.",
                   "I'm disappointed.", "I'd like this resolved.", "I've kept the paperwork.",
                   "What's the status?"),
    "calm": ("", "", "I'd like to know my options.", "I'm not happy about it.", "Let's talk about it.",
             "I'm disappointed.", "What can you do?", "I've been thinking about leaving.",
             "I'd rather stay, if it's fair."),
}

_THANKS: tuple[str, ...] = ("", "", "", "Thanks for sorting it.", "You've been helpful.", "Finally.",
                            "Appreciate it.", "That's a relief.", "Thank you for listening.",
                            "I wasn't expecting that.", "Good.", "About time, but thank you.")

INTERRUPTIONS: dict[str, tuple[str, ...]] = {
    "hostile": ("Sorry, can I stop you there?", "Hang on, hang on.", "No, wait, let me finish.",
                "Can I just... no, listen.", "Stop, stop.", "I don't need the speech."),
    "upset": ("Sorry to interrupt, but", "Can I just jump in?", "Sorry, but before you go on,",
              "Hang on a second.", "Wait, sorry,", "Can I just say something?"),
}
"""What a customer on the phone says when cutting across a long answer."""

ASIDES: tuple[str, ...] = ("Sorry, the dog's going mad here.", "Hang on, someone's at the door. Okay, I'm back.",
                           "And your hold music is awful, by the way.", "Sorry, my other phone's ringing.",
                           "I'm on my lunch break, so please be quick.", "Sorry, it's noisy, I'm on the bus.",
                           "And your app logged me out twice today too.", "My neighbour has the same problem, "
                           "you know.")
"""Off-topic things people say in the middle of a call."""


def _chat_style(text: str, rng: random.Random) -> str:
    """Typed lines: often no capital at the start and no full stop at the end."""
    if rng.random() < 0.4:
        text = text[:1].lower() + text[1:]
    if rng.random() < 0.4 and text.endswith("."):
        text = text[:-1]
    return text


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p).strip()


def compose(core: str, rng: random.Random, channel: str, band: str) -> str:
    """``core`` said by a customer on ``channel`` in mood ``band``: a lead-in and a tail around it."""
    lead = rng.choice(_LEADS.get(channel, _LEADS["phone"])[band])
    tail = rng.choice(_TAILS[band])
    if lead and (lead.endswith(",") or lead[-1].isalpha()):
        core = core if re.match(r"I\b", core) else core[:1].lower() + core[1:]
    text = _join(lead, core, tail if tail.lower() not in core.lower() else "")
    return _chat_style(text, rng) if channel != "phone" else text


def opening(core: str, rng: random.Random, channel: str, temperament: str) -> str:
    """The first words: a greeting for the channel, the scenario's complaint, a tail for the temperament."""
    lead = rng.choice(_OPENING_LEADS.get(channel, _OPENING_LEADS["phone"]))
    tail = rng.choice(_OPENING_TAILS.get(temperament, _OPENING_TAILS["calm"]))
    text = _join(lead, core, tail if tail.lower() not in core.lower() else "")
    return _chat_style(text, rng) if channel != "phone" else text


def thanks(core: str, rng: random.Random) -> str:
    """A met goal: the scenario's line, and sometimes a word more."""
    return _join(core, rng.choice(_THANKS))
