"""Accounts of the web app, on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import statistics
import time

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli import app
from corpus.accounts import (
    ROLES,
    DuplicateUser,
    InvalidName,
    LastAdmin,
    UnknownRole,
    UnknownUser,
    WeakPassword,
    activate,
    add_user,
    authenticate,
    deactivate,
    get_user,
    get_user_by_id,
    list_users,
    set_password,
    set_role,
)
from corpus.review import history
from models.tables import ReviewEvent, User

runner = CliRunner()


def test_add_and_authenticate(store):
    engine, _, _ = store
    user = add_user(engine, "张评估", "长城长城长城长城", "evaluator", by="管理员")
    assert (user.name, user.role, user.active) == ("张评估", "evaluator", True)
    assert user.can_review and not user.is_admin
    assert authenticate(engine, "张评估", "长城长城长城长城") == user
    assert authenticate(engine, " 张评估 ", "长城长城长城长城") == user  # as typed in a form
    assert authenticate(engine, "张评估", "长城长城长城") is None
    assert authenticate(engine, "无此人", "长城长城长城长城") is None
    assert authenticate(engine, "", "") is None
    assert authenticate(engine, "张评估", "长城长城长城长城" + "x" * 2000) is None
    assert get_user(engine, "张评估") == user and get_user_by_id(engine, user.id) == user
    with Session(engine) as session:
        row = session.exec(select(User)).one()
        events = session.exec(select(ReviewEvent)).all()
    assert row.password_hash.startswith("$argon2id$") and "长城" not in row.password_hash
    assert [(e.user, e.entity, e.action) for e in events] == [("管理员", "user", "create")]
    assert "password" not in str(events[0].after) and row.password_hash not in str(events[0].after)


def test_refusals_name_the_problem(store):
    engine, _, _ = store
    add_user(engine, "李四", "password-1", "viewer")
    with pytest.raises(DuplicateUser, match="李四 已存在"):
        add_user(engine, " 李四", "password-2", "viewer")
    with pytest.raises(WeakPassword, match="至少 8 个字符"):
        add_user(engine, "王五", "1234567", "viewer")
    with pytest.raises(UnknownRole, match="未知角色：root"):
        add_user(engine, "王五", "password-1", "root")
    with pytest.raises(InvalidName):
        add_user(engine, "  ", "password-1", "viewer")
    with pytest.raises(InvalidName):
        add_user(engine, "a\x00b", "password-1", "viewer")
    with pytest.raises(UnknownUser, match="没有用户 王五"):
        set_password(engine, "王五", "password-1")
    assert [u.name for u in list_users(engine)] == ["李四"]


def test_nfc_and_nfd_names_are_one_user(store):
    engine, _, _ = store
    add_user(engine, "José", "password-1", "viewer")  # NFC
    with pytest.raises(DuplicateUser):
        add_user(engine, "Jose\u0301", "password-1", "viewer")  # NFD
    assert authenticate(engine, "Jose\u0301", "password-1") is not None


def test_deactivated_user_cannot_log_in_and_is_kept(store):
    engine, _, _ = store
    add_user(engine, "admin", "password-a", "admin")
    user = add_user(engine, "赵六", "password-1", "evaluator")
    assert deactivate(engine, "赵六", by="admin").active is False
    assert authenticate(engine, "赵六", "password-1") is None
    assert [(u.name, u.active) for u in list_users(engine)] == [("admin", True), ("赵六", False)]
    assert activate(engine, "赵六").active is True
    assert authenticate(engine, "赵六", "password-1").id == user.id
    assert [e.action for e in history(engine, "user", user.id)] == [
        "activate",
        "deactivate",
        "create",
    ]


def test_set_password_and_role(store):
    engine, _, _ = store
    add_user(engine, "admin", "password-a", "admin")
    add_user(engine, "钱七", "password-1", "viewer")
    set_password(engine, "钱七", "password-2", by="admin")
    assert authenticate(engine, "钱七", "password-1") is None
    assert authenticate(engine, "钱七", "password-2") is not None
    assert set_role(engine, "钱七", "evaluator", by="admin").role == "evaluator"
    with pytest.raises(UnknownRole):
        set_role(engine, "钱七", "superuser")
    events = [e for e in history(engine, "user", get_user(engine, "钱七").id)]
    assert [e.summary for e in events[:2]] == [
        "用户 钱七 的角色：只读用户 → 评估员",
        "修改用户 钱七 的密码",
    ]
    assert all(e.before is None or "hash" not in str(e.before) for e in events)


def test_the_last_admin_stays(store):
    engine, _, _ = store
    add_user(engine, "admin", "password-a", "admin")
    with pytest.raises(LastAdmin, match="唯一的管理员"):
        deactivate(engine, "admin")
    with pytest.raises(LastAdmin):
        set_role(engine, "admin", "viewer")
    add_user(engine, "admin2", "password-b", "admin")
    assert set_role(engine, "admin", "viewer").role == "viewer"
    with pytest.raises(LastAdmin):
        deactivate(engine, "admin2")
    assert get_user(engine, "admin2").is_admin


def test_old_hash_parameters_are_upgraded_at_login(store):
    engine, _, _ = store
    user = add_user(engine, "孙八", "password-1", "viewer")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("password-1")
    with Session(engine) as session:
        row = session.get(User, user.id)
        row.password_hash = weak
        session.add(row)
        session.commit()
    assert authenticate(engine, "孙八", "password-1") is not None
    with Session(engine) as session:
        upgraded = session.get(User, user.id).password_hash
    assert upgraded != weak and not PasswordHasher().check_needs_rehash(upgraded)
    assert authenticate(engine, "孙八", "password-1") is not None


def test_unknown_name_takes_as_long_as_a_wrong_password(store):
    """No timing oracle for which names exist: an unknown name verifies a dummy hash too."""
    engine, _, _ = store
    add_user(engine, "周九", "password-1", "viewer")
    authenticate(engine, "周九", "warm-up!")  # first use builds the dummy hash

    def timed(name: str) -> float:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            assert authenticate(engine, name, "wrong-password") is None
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    known, unknown = timed("周九"), timed("不存在的人")
    assert unknown > known * 0.5, (known, unknown)


def test_cli_user_commands():
    result = runner.invoke(
        app, ["user", "add", "管理员", "--role", "admin", "--password-stdin"], input="secret-pw\n"
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["user", "add", "评估员", "--role", "evaluator"], input="another-pw\nanother-pw\n"
    )
    assert result.exit_code == 0, result.output
    assert "another-pw" not in result.output  # the prompt does not echo
    result = runner.invoke(
        app, ["user", "add", "短", "--role", "viewer", "--password-stdin"], input="x\n"
    )
    assert result.exit_code == 1 and "密码太短" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(
        app, ["user", "add", "管理员", "--role", "viewer", "--password-stdin"], input="secret-pw\n"
    )
    assert result.exit_code == 1 and "已存在" in result.output

    result = runner.invoke(app, ["user", "list"])
    assert result.exit_code == 0, result.output
    assert "管理员" in result.output and ROLES["evaluator"] in result.output

    result = runner.invoke(
        app, ["user", "passwd", "评估员", "--password-stdin"], input="new-secret\n"
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["user", "role", "评估员", "viewer"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["user", "remove", "评估员"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["user", "remove", "管理员"])
    assert result.exit_code == 1 and "唯一的管理员" in result.output
    result = runner.invoke(app, ["user", "remove", "无名氏"])
    assert result.exit_code == 1 and "没有用户" in result.output

    result = runner.invoke(app, ["user", "list", "--json"])
    import json

    users = {u["name"]: u for u in json.loads(result.stdout)}
    assert users["评估员"]["role"] == "viewer" and users["评估员"]["active"] is False
    assert users["管理员"]["active"] is True


def test_cli_password_prompt_must_match():
    result = runner.invoke(
        app,
        ["user", "add", "某人", "--role", "viewer"],
        input="password-1\npassword-2\npassword-1\npassword-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "两次输入的密码不一致" in result.output
    assert authenticate_cli("某人", "password-1")
    result = runner.invoke(app, ["user", "add", "某人2", "--role", "viewer"], input="a\nb\n" * 3)
    assert result.exit_code == 1 and "已放弃" in result.output


def authenticate_cli(name: str, password: str) -> bool:
    from corpus import get_settings, open_store

    engine = open_store(get_settings())
    try:
        return authenticate(engine, name, password) is not None
    finally:
        engine.dispose()
