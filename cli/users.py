"""The web app: `user` (accounts) and `serve`."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from .app import app, err, out
from .common import cli_actor, store_engine

user_app = typer.Typer(
    help="管理网页版的用户账号：添加、列出、改密码、改角色、停用。",
    no_args_is_help=True,
    rich_markup_mode=None,
)


app.add_typer(user_app, name="user")


class Role(StrEnum):
    admin = "admin"
    evaluator = "evaluator"
    viewer = "viewer"


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    for _ in range(3):
        first = typer.prompt("密码", hide_input=True)
        if typer.prompt("再次输入密码", hide_input=True) == first:
            return first
        err.print("两次输入的密码不一致，请重新输入。")
    err.print("✗ 三次输入不一致，已放弃。")
    raise typer.Exit(1)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名（登录名）。")],
    role: Annotated[Role, typer.Option(help="角色：admin 管理员，evaluator 评估员，viewer 只读。")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="从标准输入读取密码（一行），供脚本使用。")
    ] = False,
) -> None:
    """添加用户；密码在提示时输入两次（不回显），或用 --password-stdin 从标准输入读取。"""
    from corpus.accounts import ROLES, add_user

    engine = store_engine()
    user = add_user(engine, name, _read_password(password_stdin), role.value, by=cli_actor())
    err.print(f"已添加用户 {user.name}（{ROLES[user.role]}）", markup=False)


@user_app.command("list")
def user_list(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """列出所有用户及其角色和状态。"""
    from corpus.accounts import ROLES, list_users
    from corpus.review import format_time

    users = list_users(store_engine())
    if as_json:
        print(json.dumps([u.to_dict() for u in users], ensure_ascii=False, default=str))
        return
    if not users:
        out.print("还没有用户。添加：infocity user add 用户名 --role admin")
        return
    table = Table(title=f"共 {len(users)} 个用户", title_justify="left")
    for column in ("用户名", "角色", "状态", "创建时间"):
        table.add_column(column)
    for u in users:
        table.add_row(
            u.name,
            ROLES.get(u.role, u.role),
            "正常" if u.active else "已停用",
            format_time(u.created_at),
        )
    out.print(table)


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="用户名。")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="从标准输入读取新密码（一行）。")
    ] = False,
) -> None:
    """修改用户的密码。"""
    from corpus.accounts import set_password

    engine = store_engine()
    user = set_password(engine, name, _read_password(password_stdin), by=cli_actor())
    err.print(f"已修改 {user.name} 的密码", markup=False)


@user_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument(help="用户名。")],
    role: Annotated[Role, typer.Argument(help="新角色：admin、evaluator 或 viewer。")],
) -> None:
    """修改用户的角色（唯一的管理员不能降级）。"""
    from corpus.accounts import ROLES, set_role

    user = set_role(store_engine(), name, role.value, by=cli_actor())
    err.print(f"{user.name} 现在是{ROLES[user.role]}", markup=False)


@user_app.command("remove")
def user_remove(name: Annotated[str, typer.Argument(help="用户名。")]) -> None:
    """停用用户：不能再登录，审计记录中的名字保留（用户不会被删除）。"""
    from corpus.accounts import deactivate

    user = deactivate(store_engine(), name, by=cli_actor())
    err.print(f"已停用用户 {user.name}", markup=False)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="监听地址；只在本机使用时保持 127.0.0.1，局域网共享用 0.0.0.0。")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="端口。")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="服务进程数：多人同时使用时可设为 2–4；登录、会话和上传任务都保存在数据库中，各进程共享。",
        ),
    ] = 1,
) -> None:
    """启动评估人员使用的网页应用：上传、复核、检索、城市比较和导出，在浏览器中使用。"""
    import uvicorn

    from corpus import get_settings
    from corpus.accounts import list_users
    from web import create_app

    web_app = create_app(get_settings())
    if not any(u.active and u.role == "admin" for u in list_users(web_app.state.engine)):
        err.print("还没有管理员账户：请先运行 infocity user add 名字 --role admin", markup=False)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    err.print(f"网页应用地址：http://{shown}:{port}/（按 Ctrl+C 停止）", markup=False)
    # Forwarded headers are read by the app itself, and only from INFOCITY_TRUSTED_PROXIES.
    if workers == 1:
        uvicorn.run(web_app, host=host, port=port, log_level="warning", proxy_headers=False)
        return
    # Several processes: each builds its own app from the same environment (the store is
    # already migrated above); logins, sessions and jobs are shared through the database.
    web_app.state.jobs.shutdown()
    web_app.state.engine.dispose()
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,
    )
