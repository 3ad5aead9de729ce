"""`python3 dev.py mutate`: which mutants a run is given, and the report it prints. mutmut
re-checks every mutant it is given by name, so a module named picks up only what no run
has checked yet; nothing is run when all are checked; --again starts the module over."""

import importlib.util
import json
from pathlib import Path

import pytest


def _load_dev():
    """dev.py from the project root: the first folder above this file that holds it (mutmut
    runs the tests from a copy in mutants/, beside which there is none)."""
    root = next(folder for folder in Path(__file__).resolve().parents if (folder / "dev.py").exists())
    spec = importlib.util.spec_from_file_location("dev", root / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dev = _load_dev()


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """A project whose last runs left these verdicts (mutmut's exit codes; None: not checked)."""
    monkeypatch.setattr(dev, "ROOT", tmp_path)

    def write(module: str, codes: dict):
        meta = tmp_path / "mutants" / (module + ".meta")
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"exit_code_by_key": codes}))

    return write


def test_a_module_never_run_is_given_whole(recorded):
    assert dev.mutants_to_run(dev.mutant_patterns(["playground/_auth.py"]), again=False) == ["playground._auth.*"]


def test_a_module_picks_up_where_its_last_run_stopped(recorded):
    recorded("playground/_auth.py", {"playground._auth.x_a__mutmut_1": 1, "playground._auth.x_a__mutmut_2": None,
                                     "playground._auth.x_a__mutmut_3": 0, "playground._auth.x_b__mutmut_1": None})
    recorded("playground_ui/api.py", {"playground_ui.api.x_c__mutmut_1": None})
    assert dev.mutants_to_run(dev.mutant_patterns(["playground/_auth.py"]), again=False) == [
        "playground._auth.x_a__mutmut_2", "playground._auth.x_b__mutmut_1"]
    assert dev.mutants_to_run(dev.mutant_patterns(["playground"]), again=False) == [
        "playground._auth.x_a__mutmut_2", "playground._auth.x_b__mutmut_1"]  # not the app's
    assert dev.mutants_to_run(dev.mutant_patterns(["playground_ui.api"]), again=False) == ["playground_ui.api.x_c__mutmut_1"]
    assert dev.mutants_to_run(dev.mutant_patterns(["playground/_auth.py"]), again=True) == ["playground._auth.*"]
    assert dev.mutants_to_run([], again=False) == []  # all modules: mutmut itself runs only the unchecked


def test_a_module_all_checked_runs_nothing_and_says_how_to_start_over(recorded, capsys):
    recorded("playground/_auth.py", {"playground._auth.x_a__mutmut_1": 1, "playground._auth.x_a__mutmut_2": 0})
    assert dev.mutants_to_run(dev.mutant_patterns(["playground/_auth.py"]), again=False) is None
    assert "--again" in capsys.readouterr().out


def test_the_report_scores_each_module_and_names_its_survivors(recorded):
    recorded("playground/_auth.py", {"playground._auth.x_a__mutmut_1": 1, "playground._auth.x_a__mutmut_2": 0,
                                     "playground._auth.x_a__mutmut_3": 33, "playground._auth.x_a__mutmut_4": -24,
                                     "playground._auth.x_a__mutmut_5": None, "playground._auth.x_a__mutmut_6": 3})
    report = dev.mutation_report(dev.mutant_patterns(["playground/_auth.py"]))
    assert "playground/_auth.py" in report and " 50.0%" in report  # 2 killed of 2 killed + 2 survivors
    assert "survived  playground._auth.x_a__mutmut_2" in report and "no tests  playground._auth.x_a__mutmut_3" in report
    assert "timed out    1" in report and "not checked    1" in report
