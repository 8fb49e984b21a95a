"""The model-name grammar, shared by the library and the workflow's rules."""

import pytest

from xraylatent.models.names import model_name, model_names, parse_model


def test_parse_model_names():
    assert parse_model("ednn_k2") == ("ednn", 2)
    assert parse_model("emulator") == ("emulator", None)
    for bad in ("emulator_k1", "nnca", "pca_k1"):
        with pytest.raises(ValueError, match=bad):
            parse_model(bad)


def test_model_name_round_trips_and_rejects_what_parse_rejects():
    assert model_name("nnca", 1) == "nnca_k1" and model_name("emulator") == "emulator"
    assert parse_model(model_name("eca", 3)) == ("eca", 3)
    with pytest.raises(ValueError, match="emulator_k1"):
        model_name("emulator", 1)


def test_model_names_add_the_emulator_only_for_eca():
    assert model_names(["ednn", "eca"], [1, 2]) == ["emulator", "ednn_k1", "ednn_k2", "eca_k1", "eca_k2"]
    assert model_names(["ednn", "nnca"], [1]) == ["ednn_k1", "nnca_k1"]
