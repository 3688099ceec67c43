"""The one sentiment function: negation, intensity and the contact-center words VADER lacks."""

from models.language.sentiment import sentiment


def test_anger_is_negative_and_thanks_positive():
    assert sentiment("this is terrible and I am so angry") < -0.3
    assert sentiment("great, thanks, that's perfect") > 0.3


def test_words_without_sentiment_score_zero():
    assert sentiment("my order number is 55") == 0.0
    assert sentiment("") == 0.0 and sentiment("   ") == 0.0


def test_negation_turns_good_negative():
    assert sentiment("this is good") > 0
    assert sentiment("this is not good") < 0


def test_negation_softens_bad():
    assert sentiment("this is not bad at all") > 0 > sentiment("this is bad")


def test_intensifier_strengthens():
    assert sentiment("this is very good") > sentiment("this is good") > 0
    assert sentiment("this is really bad") < sentiment("this is bad") < 0


def test_capitals_and_exclamations_strengthen_anger():
    assert sentiment("this is UNACCEPTABLE!!!") < sentiment("this is unacceptable") < 0


def test_contrast_weighs_what_follows_but():
    assert sentiment("the agent was nice but the service is terrible") < 0


def test_contact_center_words_read_as_callers_mean_them():
    assert sentiment("this is a joke") < 0
    assert sentiment("this is rubbish") < 0
    assert sentiment("nobody fixed it. Unacceptable. I want it fixed today") < -0.3
    assert sentiment("I was promised a refund") == 0.0


def test_scores_stay_in_range():
    furious = "I AM FURIOUS!!! This is the WORST, most useless, pathetic, disgusting service ever!!!"
    assert -1.0 <= sentiment(furious) < -0.9
