"""Request bodies of the review API, validated before anything is stored.

A body is read with a size cap, parsed as strict JSON (no ``NaN``/``Infinity``), and checked against a schema
with strict types and lengths: ``"row": 5.9``, ``"row": Infinity``, ``"text": null``, an object for a text,
a lone surrogate (``"\\ud800"``), a NUL character or a megabyte of text are refused with a 4xx status and a
message that never echoes the offending value.
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

from fastapi import HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT = 2000  # characters of a corrected cell text (the longest printed cells are a few hundred)
MAX_NAME = 255
MAX_INDEX = 1_000_000
MAX_VERSION = 2**53

B = TypeVar("B", bound=BaseModel)


class CorrectionBody(BaseModel):
    """``POST /api/corrections``."""

    model_config = ConfigDict(strict=True, frozen=True)

    document: str = Field(min_length=1, max_length=MAX_NAME)
    table: str = Field(min_length=1, max_length=MAX_NAME)
    row: int = Field(ge=0, le=MAX_INDEX)
    col: int = Field(ge=0, le=MAX_INDEX)
    text: str = Field(default="", max_length=MAX_TEXT)
    action: Literal["accept", "correct"] = "correct"
    version: int = Field(default=0, ge=0, le=MAX_VERSION)
    reviewer: str | None = Field(default=None, max_length=100)

    @field_validator("document", "table", "text", "reviewer")
    @classmethod
    def _storable(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("not valid Unicode (lone surrogate)") from None
        if "\x00" in v:
            raise ValueError("contains a NUL character")
        return v


class CellBody(CorrectionBody):
    """``POST /api/cells``: a correction addressed on the reviewed grid of structure version ``grid``."""

    grid: int = Field(ge=0, le=MAX_VERSION)


class StructureBody(BaseModel):
    """``POST /api/structure``: one structure edit (``op`` and its ``args``: :mod:`pipeline.review.structure`)."""

    model_config = ConfigDict(strict=True, frozen=True)

    document: str = Field(min_length=1, max_length=MAX_NAME)
    table: str = Field(min_length=1, max_length=MAX_NAME)
    op: str = Field(min_length=1, max_length=40)
    args: dict[str, int | float | str] = Field(default_factory=dict, max_length=16)
    version: int = Field(default=0, ge=0, le=MAX_VERSION)
    reviewer: str | None = Field(default=None, max_length=100)

    _storable = field_validator("document", "table", "op", "reviewer")(CorrectionBody._storable.__func__)  # type: ignore[attr-defined]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_json(request: Request, limit: int = MAX_BODY_BYTES) -> Any:
    """The request's JSON body: 413 when larger than ``limit`` bytes, 400 when not UTF-8 strict JSON."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise HTTPException(413, f"request body larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body larger than {limit} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks).decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "body is not valid JSON") from None


def problems(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors without the input values (which may not even be encodable)."""
    return [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "invalid"))}
            for e in exc.errors(include_url=False, include_input=False, include_context=False)]


def parse_body(model: type[B], data: Any) -> B:
    """``data`` validated as ``model``; 422 (without the input values) when it does not fit."""
    if not isinstance(data, dict):
        raise HTTPException(422, "a JSON object expected")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise HTTPException(422, problems(exc)) from None


def parse_correction(data: Any) -> CorrectionBody:
    return parse_body(CorrectionBody, data)
