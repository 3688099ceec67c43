"""The scenario library: eight escalations and complaints trainers can run today.

Each scenario uses the simulator's catalog ids (reasons, channels, actions), so the real guidance reacts
to it as to live work. Lines are written so the real rules can pick them up: upset lines score as upset with
the sentiment function (``models.language.sentiment``, VADER), demands for a supervisor say "manager" or
"supervisor", and a satisfied customer says "that's great" or "all sorted".
"""

from __future__ import annotations

from simulator.practice.scenario import Lines, Persona, Policy, Scenario, Trigger
from simulator.practice.signals import Signal

__all__ = ["SCENARIOS", "get_scenario"]

_SALES = "a sales offer while the customer is disputing a charge"
_HANG_UP = Trigger("mood_below", "hang_up", -0.95)

_LIBRARY: tuple[Scenario, ...] = (
    Scenario(
        name="angry_billing_dispute", title="Angry billing dispute: charged twice", reason="billing_dispute",
        channel="phone",
        persona=Persona(name="Dana Whitfield", temperament="angry", start_mood=-0.55, patience=6, reactivity=1.2,
                        summary="Charged 35.00 twice for March; a previous call promised a fix that never came.",
                        goal="the duplicate 35.00 charge refunded"),
        policy=Policy(resolves=frozenset({"offer_refund_small", "offer_refund_large"}), requires_verification=True,
                      refund_amount=35.0, helpful=frozenset({"schedule_callback"}),
                      forbidden={"offer_retention_discount": _SALES, "offer_plan_change": _SALES}),
        triggers=(Trigger("mood_below", "demand_supervisor", -0.75), Trigger("patience_out", "demand_supervisor"),
                  _HANG_UP),
        lines=Lines(
            opening=("You've charged me {amount} twice for March. This is ridiculous, I called last week already!",
                     "I've been charged twice again, {amount} each time, and nobody fixed it. Unacceptable.",
                     "Why am I still paying {amount} twice? I was promised this was sorted. I'm furious."),
            restate=("I just want the extra {amount} back.", "The duplicate {amount} charge. Refund it.",
                     "All I'm asking is the second {amount} back on my card."),
            goal_met=("Right, that's great, thank you. That's everything.",
                      "Okay. Thank you, that's all sorted then."),
            slots={"amount": "35.00", "dob": "14 March 1979", "postcode": "LS6 2AB"}),
        target_seconds=360, min_customer_turns=4,
        hints=("verify_identity", "apologise_acknowledge", "offer_refund_small")),
    Scenario(
        name="repeated_outage", title="Repeated outage: third contact this week", reason="outage", channel="chat",
        persona=Persona(name="Marcus Bell", temperament="angry", start_mood=-0.6, patience=5,
                        summary="Works from home; the broadband drops every evening. Third contact, same script.",
                        goal="an engineer or a specialist who actually fixes the line",
                        sensitivity={Signal.OWNERSHIP: 1.5}),
        policy=Policy(resolves=frozenset({"transfer_specialist", "schedule_callback"}),
                      helpful=frozenset({"offer_refund_small"}),
                      forbidden={"send_knowledge_article": "the same troubleshooting article he has tried twice"}),
        triggers=(Trigger("mood_below", "threaten_complaint", -0.75), Trigger("patience_out", "threaten_cancel"),
                  _HANG_UP),
        lines=Lines(
            opening=("Third time this week. My internet dropped AGAIN last night. I've restarted the router "
                     "{restarts} times. I'm fed up.",
                     "Still no connection every evening. I've done every step your people told me. Useless.",
                     "The line keeps dropping again and again. I work from home. This is unacceptable."),
            restate=("I need someone to actually fix the line, not another checklist.",
                     "Send an engineer or put me through to someone who can fix it.",
                     "I want this fixed properly this time."),
            goal_met=("Finally. That's great, thank you.", "Okay, that's perfect. Thanks for actually listening."),
            slots={"restarts": "five"}),
        target_seconds=420, min_customer_turns=4, hints=("apologise_acknowledge", "send_knowledge_article")),
    Scenario(
        name="refund_above_policy", title="Refund above policy: a 180.00 return", reason="refund", channel="chat",
        persona=Persona(name="Priya Nair", temperament="analytical", start_mood=-0.3, patience=6,
                        summary="Returned a faulty 180.00 blender three weeks ago; no refund has arrived.",
                        goal="the 180.00 refund, or a firm commitment to it"),
        policy=Policy(resolves=frozenset({"offer_refund_large"}), requires_verification=True, refund_amount=180.0),
        triggers=(Trigger("mood_below", "demand_supervisor", -0.6), Trigger("patience_out", "demand_supervisor"),
                  _HANG_UP),
        lines=Lines(
            opening=("I returned a faulty blender three weeks ago, order {order}, and I'm still waiting for my "
                     "{amount} refund.",
                     "Three weeks since you received my return ({order}) and no {amount} refund. Disappointed.",
                     "Where is my {amount}? The return for {order} was signed for three weeks ago."),
            restate=("I'd like the {amount} refunded, please.", "The refund for {order}: {amount}.",
                     "I only want the {amount} I'm owed."),
            goal_met=("Thank you, that's great. I'll watch for it.", "Good, that's all sorted then. Thanks."),
            slots={"amount": "180.00", "order": "O-48213", "dob": "2 July 1988", "postcode": "M20 4QT"}),
        target_seconds=420, min_customer_turns=4, hints=("verify_identity", "escalate_supervisor")),
    Scenario(
        name="cancellation_threat", title="Cancellation threat after a price rise", reason="cancel", channel="phone",
        persona=Persona(name="Tom Okafor", temperament="calm", start_mood=-0.35, patience=6,
                        summary="A customer for seven years; the price went up 20% and a competitor is cheaper.",
                        goal="a fair price, or he cancels today"),
        policy=Policy(resolves=frozenset({"offer_retention_discount", "offer_plan_change"}),
                      requires_verification=True,
                      forbidden={"transfer_specialist": "passing a retention call around instead of owning it"}),
        triggers=(Trigger("mood_below", "threaten_cancel", -0.6), Trigger("patience_out", "threaten_cancel"),
                  Trigger("mood_below", "hang_up", -0.9)),
        lines=Lines(
            opening=("I've been with you seven years and my bill just went up twenty percent. I want to cancel.",
                     "Your competitor is {cheaper} a month cheaper. Give me a reason not to cancel today.",
                     "Seven years and this is the thanks, a twenty percent rise? I'm thinking of leaving."),
            restate=("So what can you actually do about the price?", "I need a better price or I'm off.",
                     "What are you offering me to stay?"),
            goal_met=("That's great, I'll stay on that. Thanks.", "Okay, that's perfect. Thank you."),
            slots={"cheaper": "12.00", "dob": "30 November 1975", "postcode": "BS3 1XY"}),
        target_seconds=420, min_customer_turns=4, hints=("verify_identity", "offer_retention_discount")),
    Scenario(
        name="vulnerable_customer", title="Vulnerable customer: bereaved and confused", reason="billing_dispute",
        channel="phone",
        persona=Persona(name="Edith Shaw", temperament="anxious", start_mood=-0.3, patience=8, reactivity=1.3,
                        summary="81, recently widowed; a direct debit on her late husband's account she does not "
                                "understand.",
                        goal="someone to explain and stop the payment, gently and without pressure",
                        sensitivity={Signal.EMPATHY: 1.6, Signal.PATIENCE: 3.0, Signal.OWNERSHIP: 1.3,
                                     Signal.PRESSURE: 2.5}),
        policy=Policy(resolves=frozenset({"schedule_callback", "offer_refund_small"}), requires_verification=True,
                      refund_amount=24.0,
                      forbidden={"offer_retention_discount": "marketing to a vulnerable, bereaved customer",
                                 "offer_plan_change": "selling to a vulnerable, bereaved customer"}),
        triggers=(Trigger("mood_below", "overwhelmed", -0.55), Trigger("mood_below", "hang_up", -0.85)),
        lines=Lines(
            opening=("Hello, sorry, I'm not very good with these things. My husband passed away last month and "
                     "there's a payment of {amount} I don't understand.",
                     "I'm sorry to bother you. There's {amount} gone out of our account and it was my late "
                     "husband's. I'm worried.",
                     "Hello dear. My husband died in {month} and I keep getting these letters about {amount}."),
            restate=("I just don't want any more money going out, that's all.",
                     "Can someone please make the payments stop?", "I'm sorry, what happens with the {amount}?"),
            goal_met=("Oh, thank you, that's great. You've been very kind.",
                      "That's perfect, thank you so much, dear."),
            verify_pass=("I think it's {dob}... and the postcode is {postcode}.",
                         "Let me find my glasses. {dob}, postcode {postcode}."),
            slots={"amount": "24.00", "month": "March", "dob": "9 June 1944", "postcode": "YO1 7HH"}),
        target_seconds=600, min_customer_turns=5,
        hints=("verify_identity", "apologise_acknowledge", "schedule_callback")),
    Scenario(
        name="abusive_customer", title="Abusive customer over a missed delivery", reason="complaint",
        channel="chat",
        persona=Persona(name="Kyle Benson", temperament="angry", start_mood=-0.8, patience=6, reactivity=1.3,
                        summary="Took a day off for a delivery window that was missed without notice; swearing.",
                        goal="someone accountable to log the complaint and call him back",
                        sensitivity={Signal.BOUNDARY: 4.0}),
        policy=Policy(resolves=frozenset({"escalate_supervisor", "schedule_callback"}),
                      helpful=frozenset({"offer_refund_small"}),
                      forbidden={"offer_refund_large": "compensation above policy to make the abuse stop",
                                 "close_with_survey": "ending the chat on an abusive customer without warning"}),
        triggers=(Trigger("patience_out", "threaten_complaint"), _HANG_UP),
        lines=Lines(
            opening=("Are you lot completely useless? I took a day off for your bloody delivery and nobody came.",
                     "Worst company ever. I waited in all day for order {order} and you clowns never showed.",
                     "I'm absolutely furious. Missed delivery AGAIN. Who the hell runs this rubbish?"),
            restate=("I want someone to own this and ring me back, not a bot.",
                     "Log a proper complaint and get a manager to call me.", "Just get someone accountable on it."),
            goal_met=("Fine. That's great, actually. Thanks.", "Right. That's all sorted then. Cheers."),
            slots={"order": "O-77120"}),
        target_seconds=360, min_customer_turns=4, hints=("apologise_acknowledge", "escalate_supervisor")),
    Scenario(
        name="identity_verification_failure", title="Identity verification fails on a plan change",
        reason="plan_change", channel="phone",
        persona=Persona(name="Jordan Reeves", temperament="anxious", start_mood=-0.2, patience=6,
                        summary="Wants a plan changed on an account held in their partner's name; cannot answer "
                                "the security questions.",
                        goal="the plan changed today (which policy does not allow without the holder)"),
        policy=Policy(resolves=frozenset({"send_knowledge_article", "schedule_callback"}),
                      requires_verification=True, verification_passes=False,
                      needs=frozenset({"verify_attempted"}),
                      forbidden={"offer_plan_change": "changing an account whose holder was not verified"}),
        triggers=(Trigger("mood_below", "demand_supervisor", -0.6), Trigger("patience_out", "demand_supervisor"),
                  Trigger("mood_below", "hang_up", -0.9)),
        lines=Lines(
            opening=("Hi, I need to switch our broadband to the cheaper plan today. It's my partner's account.",
                     "Can you move us to the {plan} plan? The account is in my partner's name but I pay it.",
                     "I want to downgrade to {plan} before the next bill. My partner set it up."),
            restate=("So can you change the plan or not?", "I just need the {plan} plan switched on.",
                     "What do I need to do to get it changed?"),
            goal_met=("Okay, that makes sense. That's great, thanks.", "Fine, that's perfect. I'll do that."),
            verify_fail=("Oh, I don't know the security answer, it's my partner's account.",
                         "I don't know that one. My partner set it up, not me."),
            slots={"plan": "basic"}),
        target_seconds=360, min_customer_turns=4, hints=("verify_identity", "send_knowledge_article")),
    Scenario(
        name="channel_switch_mid_issue", title="Channel switch mid-issue: chat dropped, now calling",
        reason="technical_issue", channel="phone",
        persona=Persona(name="Aisha Rahman", temperament="analytical", start_mood=-0.4, patience=5,
                        summary="Explained a router fault on chat for twenty minutes; the chat dropped, now she calls.",
                        goal="pick up where the chat left off and get a replacement router booked",
                        sensitivity={Signal.HISTORY: 2.0, Signal.ASKS_REPEAT: 2.0}),
        policy=Policy(resolves=frozenset({"transfer_specialist", "schedule_callback"}),
                      helpful=frozenset({"send_knowledge_article"})),
        triggers=(Trigger("mood_below", "demand_supervisor", -0.7), Trigger("patience_out", "threaten_complaint"),
                  _HANG_UP),
        lines=Lines(
            opening=("I was on your chat for twenty minutes about my router and it cut off. Please tell me you "
                     "can see it.",
                     "Your chat dropped me halfway through. I really don't want to explain it all again.",
                     "Chat disconnected mid-conversation, so I'm calling. The router fault, reference {ref}."),
            restate=("The chat agent said the router needs replacing.", "I need the replacement router booked.",
                     "Can we just pick up where the chat left off?"),
            goal_met=("Brilliant, that's great. Thank you.", "Perfect, that's all sorted then."),
            slots={"ref": "CH-5521"}),
        target_seconds=360, min_customer_turns=4, hints=("send_knowledge_article",)),
)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in _LIBRARY}
"""The shipped scenarios by name, in the order trainers see them."""


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; raises KeyError naming the known ones otherwise."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
