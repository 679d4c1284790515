"""FastAPI dependencies, as `Annotated` aliases that tests override through `app.dependency_overrides`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from assistant.api.services import AppServices
from assistant.config import Settings as AppSettings
from assistant.principal import Principal


def get_settings(request: Request) -> AppSettings:
    settings: AppSettings = request.app.state.settings
    return settings


def get_services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


def get_current_user(request: Request) -> Principal:
    """The caller; authenticated before its body was read when the route has one (`intake`), else here."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    principal = request.app.state.authenticator.authenticate(request)
    request.state.principal = principal
    return principal


Settings = Annotated[AppSettings, Depends(get_settings)]
Services = Annotated[AppServices, Depends(get_services)]
CurrentUser = Annotated[Principal, Depends(get_current_user)]


def require_role(role: str) -> Callable[[Principal], Principal]:
    def check(user: CurrentUser) -> Principal:
        if not user.is_operator and role not in user.roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"rôle « {role} » requis")
        return user

    return check


Agent = Annotated[Principal, Depends(require_role("agent"))]
Admin = Annotated[Principal, Depends(require_role("admin"))]
