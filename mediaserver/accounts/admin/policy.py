"""What an admin may change on a user, validated as a whole before anything is written.

users.py already refuses to leave the server without an enabled admin. On top of that an admin
may not disable, demote, delete or reset the password of their own account from the admin pages:
one slip would lock them out (the password reset signs every device out). Another admin can do
it, and the admin's own password is changed under Account, where the current one is asked for.
"""

from __future__ import annotations

from typing import Any, Literal

from mediaserver.accounts.admin.limit_inputs import limits_from_form
from mediaserver.accounts.limits import set_limits
from mediaserver.accounts.passwords import check_password_rules
from mediaserver.accounts.users import check_role, delete_user, get_user, set_disabled
from mediaserver.accounts.users import set_password as store_password
from mediaserver.accounts.users import set_role as store_role
from mediaserver.db.engine import Database
from mediaserver.errors import BadRequest, Conflict
from mediaserver.http.forms import text_field

# What the edit page says happened, by the code in its `done` query parameter.
Done = Literal["role", "disabled", "enabled", "password", "deleted", "limits"]


def _refuse_self(actor_id: int, user_id: int, detail: str, field: str) -> None:
    if actor_id == user_id:
        raise Conflict(detail, field=field)


async def change_user(
    db: Database,
    actor_id: int,
    user_id: int,
    *,
    role: str | None = None,
    disabled: bool | None = None,
    password: str | None = None,
) -> None:
    """Apply the given changes; every value is checked first so a bad one writes nothing."""
    await get_user(db, user_id)  # 404 first
    if role is not None:
        check_role(role)
        if role != "admin":
            _refuse_self(
                actor_id,
                user_id,
                "You can't remove your own admin role; ask another admin to do it.",
                "role",
            )
    if disabled:
        _refuse_self(actor_id, user_id, "You can't disable your own account.", "disabled")
    if password is not None:
        check_password_rules(password)
        _refuse_self(actor_id, user_id, "Change your own password under Account.", "password")
    # Role and disabled may hit the last-admin rule in users.py; the password cannot fail now.
    if role is not None:
        await store_role(db, user_id, role)
    if disabled is not None:
        await set_disabled(db, user_id, disabled)
    if password is not None:
        await store_password(db, user_id, password)


async def remove_user(db: Database, actor_id: int, user_id: int) -> None:
    await get_user(db, user_id)
    _refuse_self(actor_id, user_id, "You can't delete your own account.", "user")
    await delete_user(db, user_id)


async def apply_form_action(
    db: Database, actor_id: int, user_id: int, action: str, data: dict[str, Any]
) -> Done:
    """One of the edit page's forms (`action` says which); what happened, for the notice."""
    if action == "role":
        await change_user(db, actor_id, user_id, role=text_field(data, "role", max_length=16))
        return "role"
    if action in ("disable", "enable"):
        await change_user(db, actor_id, user_id, disabled=action == "disable")
        return "disabled" if action == "disable" else "enabled"
    if action == "password":
        password = text_field(data, "password", max_length=256)
        if password != text_field(data, "password_confirm", max_length=256):
            raise BadRequest("The two passwords differ.", field="password_confirm")
        await change_user(db, actor_id, user_id, password=password)
        return "password"
    if action == "delete":
        await remove_user(db, actor_id, user_id)
        return "deleted"
    if action == "limits":
        limits = limits_from_form(data)
        await get_user(db, user_id)  # 404 first
        await set_limits(db, user_id, limits)
        return "limits"
    raise BadRequest("Unknown action.", field="action")
