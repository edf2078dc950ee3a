"""MXNet's generic class registries (``mx.registry``): register, alias and create by name.

Libraries build their own factories with these (``register = get_register_func(Base, 'base')``,
``create = get_create_func(Base, 'base')``). The tables are hybrid's
:class:`~hybrid.class_registry.ClassRegistry`, shared with the family's own ``register`` when
it has one (``mx.init.Initializer``, ``mx.optimizer.Optimizer``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .base import HybridError
from .class_registry import for_base

__all__ = ["get_registry", "get_register_func", "get_alias_func", "get_create_func"]


def get_registry(base_class: type) -> dict[str, type]:
    """A copy of the name -> class table of ``base_class``'s family."""
    return dict(for_base(base_class, base_class.__name__.lower()).table)


def get_register_func(base_class: type, nickname: str) -> Callable[..., type]:
    """``register(klass, name=None)``: add a subclass of ``base_class`` under ``name`` (default:
    its class name), lowercased."""
    registry = for_base(base_class, nickname)

    def register(klass: type, name: str | None = None) -> type:
        registry.check(klass, base_class)
        registry.table[(name or klass.__name__).lower()] = klass
        return klass

    register.__doc__ = f"Register a {nickname} class to the {nickname} factory."
    return register


def get_alias_func(base_class: type, nickname: str) -> Callable[..., Callable[[type], type]]:
    """``alias(*names)``: a class decorator registering the class under more names."""
    register = get_register_func(base_class, nickname)

    def alias(*aliases: str) -> Callable[[type], type]:
        def reg(klass: type) -> type:
            for name in aliases:
                register(klass, name)
            return klass

        return reg

    return alias


def get_create_func(base_class: type, nickname: str) -> Callable[..., Any]:
    """``create(name_or_instance, *args, **kwargs)``: an instance of the class registered as
    ``name``.

    ``name`` may also be an instance (returned as is), a dict of keyword arguments with the
    ``nickname`` key, or the JSON text of ``[name, kwargs]`` or of such a dict.
    """
    registry = for_base(base_class, nickname)

    def create(*args: Any, **kwargs: Any) -> Any:
        if args:
            name, args = args[0], args[1:]
        elif nickname in kwargs:
            name = kwargs.pop(nickname)
        else:
            raise HybridError(f"create {nickname}: give a {nickname} name or instance")
        if isinstance(name, base_class):
            if args or kwargs:
                raise HybridError(f"create {nickname}: {name!r} is already an instance; "
                                  "extra arguments are invalid")
            return name
        if isinstance(name, dict):
            return create(**name)
        if not isinstance(name, str):
            raise HybridError(f"create {nickname}: expected a name, got {type(name).__name__}")
        if name.startswith("[") or name.startswith("{"):
            if args or kwargs:
                raise HybridError(f"create {nickname}: a JSON config takes no other arguments")
            config = json.loads(name)
            return create(config[0], **config[1]) if name.startswith("[") else create(**config)
        return registry.get(name)(*args, **kwargs)

    create.__doc__ = f"Create a {nickname} instance from its registered name or a config."
    return create
