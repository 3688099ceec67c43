"""Practice sessions for trainers: simulated customers for escalations and complaints, with scoring.

Pure and deterministic (no web framework, no database, no ``assist``): scenarios (``library``), the
persona's mood model (``persona``), the dialogue acts of a trainee's turn (``acts``, a classifier
trained on ``data/``) and what the turn signals (``signals``), how the customer words a turn (``voice``
with ``phrasebank`` and ``timing``, pluggable through ``CustomerVoice``; ``model_voice`` for a language
model), one conversation (``conversation``), the debrief rubric (``rubric``, ``communication``), replay
(``replay``) and scripted trainees (``scripts``).
"""

from simulator.practice.acts import Act, classify_clauses
from simulator.practice.conversation import Conversation
from simulator.practice.events import AgentEvent, Line
from simulator.practice.library import SCENARIOS, get_scenario
from simulator.practice.model_voice import ModelVoice, TextModel
from simulator.practice.persona import PersonaState, Step, advance, start
from simulator.practice.replay import Replay, replay
from simulator.practice.rubric import WEIGHTS, Debrief, debrief
from simulator.practice.scenario import Lines, Persona, Policy, Scenario, Trigger
from simulator.practice.scripts import SCRIPTS, scripted_events
from simulator.practice.signals import Reading, Signal, classify_utterance, read_turn
from simulator.practice.voice import Cue, CustomerVoice, TemplateVoice

__all__ = [
    "SCENARIOS",
    "Act",
    "ModelVoice",
    "Reading",
    "TextModel",
    "classify_clauses",
    "read_turn",
    "SCRIPTS",
    "WEIGHTS",
    "AgentEvent",
    "Conversation",
    "Cue",
    "CustomerVoice",
    "Debrief",
    "Line",
    "Lines",
    "Persona",
    "PersonaState",
    "Policy",
    "Replay",
    "Scenario",
    "Signal",
    "Step",
    "TemplateVoice",
    "Trigger",
    "advance",
    "classify_utterance",
    "debrief",
    "get_scenario",
    "replay",
    "scripted_events",
    "start",
]
