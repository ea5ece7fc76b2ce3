"""The scheduler under a temporary HOME, with fake `systemctl` and `crontab` that record their calls."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest

from mlx_deploy.orchestrator import schedule
from mlx_deploy.orchestrator.errors import ConfigError

FAKE = """#!/bin/sh
echo "$0 $*" >> "{log}"
{body}
"""
CRONTAB_BODY = """
table="{table}"
if [ "$1" = "-l" ]; then
  [ -f "$table" ] || {{ echo "no crontab for user" >&2; exit 1; }}
  cat "$table"; exit 0
fi
if [ "$1" = "-" ]; then cat > "$table"; exit 0; fi
exit 2
"""


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return home


def fake(home: Path, name: str, body: str) -> Path:
    log = home.parent / f"{name}.calls"
    path = home.parent / "bin" / name
    path.write_text(FAKE.format(log=log, body=body))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return log


def test_systemd_timer_installed_and_removed(home):
    calls = fake(home, "systemctl", "exit 0")
    result = schedule.install(timedelta(hours=6))
    assert result.kind == "systemd"
    unit_dir = home / ".config" / "systemd" / "user"
    service = (unit_dir / "mlx-catalogue-refresh.service").read_text()
    timer = (unit_dir / "mlx-catalogue-refresh.timer").read_text()
    assert "ExecStart=" in service and service.rstrip().endswith("-m mlx_deploy.orchestrator.cli.app catalogue refresh")
    assert "Environment=MLX_HOME=" in service  # the timer refreshes the same catalogue
    assert "OnUnitActiveSec=21600s" in timer and "Persistent=true" in timer
    assert set(result.files) == {str(unit_dir / "mlx-catalogue-refresh.service"), str(unit_dir / "mlx-catalogue-refresh.timer")}
    recorded = calls.read_text().splitlines()
    assert recorded[-2:] == [
        f"{home.parent}/bin/systemctl --user daemon-reload",
        f"{home.parent}/bin/systemctl --user enable --now mlx-catalogue-refresh.timer",
    ]
    removed = schedule.remove()
    assert (removed.kind, removed.action) == ("systemd", "removed")
    assert not any(unit_dir.iterdir())
    assert f"{home.parent}/bin/systemctl --user disable --now mlx-catalogue-refresh.timer" in calls.read_text()


def test_crontab_entry_where_systemd_does_not_run(home):
    fake(home, "systemctl", 'echo "System has not been booted with systemd" >&2; exit 1')
    table = home.parent / "crontab.txt"
    table.write_text("MAILTO=ops@example.com\n15 2 * * * /usr/local/bin/backup\n")
    calls = fake(home, "crontab", CRONTAB_BODY.format(table=table))
    result = schedule.install(timedelta(hours=6))
    assert (result.kind, result.action) == ("cron", "installed")
    lines = table.read_text().splitlines()
    assert lines[:2] == ["MAILTO=ops@example.com", "15 2 * * * /usr/local/bin/backup"]
    assert lines[2].startswith("0 */6 * * * MLX_HOME=") and "catalogue refresh >> " in lines[2]
    assert lines[2].endswith("2>&1 # mlx-catalogue-refresh")
    schedule.install(timedelta(hours=12))  # installing again replaces, never duplicates
    assert [line for line in table.read_text().splitlines() if "mlx-catalogue-refresh" in line][0].startswith("0 */12 ")
    assert len(table.read_text().splitlines()) == 3
    removed = schedule.remove()
    assert (removed.kind, removed.action) == ("cron", "removed")
    assert table.read_text().splitlines() == ["MAILTO=ops@example.com", "15 2 * * * /usr/local/bin/backup"]
    assert "crontab -l" in calls.read_text()


def test_remove_when_nothing_is_installed(home):
    fake(home, "systemctl", "exit 1")
    fake(home, "crontab", CRONTAB_BODY.format(table=home.parent / "none.txt"))
    assert schedule.remove().action == "nothing to remove"


def test_neither_systemd_nor_cron(home, monkeypatch):
    monkeypatch.setenv("PATH", str(home.parent / "bin"))  # holds neither
    with pytest.raises(ConfigError, match="neither a systemd user session nor `crontab` is available"):
        schedule.install(timedelta(hours=6))


def test_too_frequent_is_refused(home):
    with pytest.raises(ConfigError, match="too often"):
        schedule.install(timedelta(minutes=1))


@pytest.mark.parametrize(
    ("every", "spec"),
    [(timedelta(minutes=30), "*/30 * * * *"), (timedelta(hours=6), "0 */6 * * *"), (timedelta(days=2), "0 3 */2 * *")],
)
def test_cron_schedule(every, spec):
    assert schedule.cron_schedule(every) == spec


def test_foreground_loop_runs_and_waits_between_rounds():
    runs, sleeps = [], []
    schedule.run_forever(lambda: runs.append(1), timedelta(hours=6), sleep=sleeps.append, rounds=3)
    assert len(runs) == 3 and len(sleeps) == 2
    assert all(21590 < seconds <= 21600 for seconds in sleeps)


def test_kubernetes_cronjob_runs_the_refresh_command():
    import yaml

    from mlx_deploy.orchestrator.cli.app import app
    from typer.testing import CliRunner

    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "catalogue-refresh-cronjob.yaml").read_text())
    assert manifest["kind"] == "CronJob" and manifest["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    program, *args = container["command"]
    assert program == "mlx"
    done = CliRunner().invoke(app, [*args, "--help"])
    assert done.exit_code == 0 and "--json" in done.stdout  # every option the manifest passes exists
