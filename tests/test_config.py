from pathlib import Path

import pytest

from saleskpi.config import BGN_PER_EUR, SETTINGS_TEMPLATE, load_settings, parse_settings
from saleskpi.errors import ConfigError


def test_template_parses_to_the_defaults(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text(SETTINGS_TEMPLATE.format(name="X", backend="duckdb://saleskpi.duckdb", currency="EUR"))
    settings = load_settings(path)
    assert settings.workspace.currency == "EUR"
    assert settings.import_.future_days == 31
    assert settings.import_.date_formats[:2] == ["%Y-%m-%d", "%d.%m.%Y"]


def test_bgn_rate_is_built_in_and_fixed():
    settings = parse_settings({"currencies": {"USD": 1.08}}, source="s.toml")
    assert settings.rate("BGN") == BGN_PER_EUR == 1.95583
    assert settings.rate("eur") == 1.0
    assert settings.rate("USD") == 1.08
    assert settings.rate("GBP") is None
    lev = parse_settings({"workspace": {"currency": "BGN"}}, source="s.toml")
    assert lev.rate("EUR") == pytest.approx(1 / 1.95583)


def test_every_problem_is_reported_with_file_and_key():
    with pytest.raises(ConfigError) as info:
        parse_settings({"workspace": {"currency": "EURO", "colour": "red"},
                        "import": {"future_days": -1}}, source="ws/settings.toml")
    text = str(info.value)
    assert text.startswith("ws/settings.toml: 3 invalid setting(s):")
    assert "[workspace] currency" in text and "'EURO'" in text
    assert "[workspace] colour: unknown key; remove it or check its spelling" in text
    assert "[import] future_days" in text and "-1" in text


def test_bad_toml_names_the_file(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text("[workspace\nname = 1\n")
    with pytest.raises(ConfigError, match=r"settings.toml: not valid TOML"):
        load_settings(path)


def test_missing_file_says_how_to_create_it(tmp_path: Path):
    with pytest.raises(ConfigError, match="saleskpi init DIR"):
        load_settings(tmp_path / "settings.toml")


def test_abc_cutoffs_are_refused_when_overlapping_or_out_of_range(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text('[abc]\ncutoffs = [0.95, 0.8]\nshare_thresholds = [0.5, 1.2]\n[abc.actions]\nXYZ = "call"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    text = str(info.value)
    assert text.startswith(f"{path}: 3 invalid setting(s):")
    assert "[abc] cutoffs: must be two increasing cumulative shares in (0, 1), such as [0.8, 0.95]; got [0.95, 0.8]" in text
    assert "[abc] share_thresholds: must be two increasing shares" in text
    assert "[abc] actions: 'XYZ' is not a cell" in text
