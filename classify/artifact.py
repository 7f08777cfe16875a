"""Trained models on disk: one .npz file of plain arrays plus a JSON header.

NumPy reads it with `allow_pickle=False`, so loading a model file can never execute code, unlike
pickle or joblib. Files are written to a temporary name and renamed, so a crash mid-save leaves
the previous model in place.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .errors import ClassifyError

FORMAT = 1


class ModelError(ClassifyError):
    """A model file that cannot be used; the message names the file and says what to do."""


def save(path: Path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = json.dumps({"format": FORMAT, **meta}, ensure_ascii=False, sort_keys=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez_compressed(out, __meta__=np.array(header), **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a shared model from other users
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays.pop("__meta__")))
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: 模型文件不存在") from exc
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelError(
            f"{path}: 模型文件已损坏，请运行 infocity train 重新训练（{exc}）"
        ) from exc
    if meta.get("format") != FORMAT:
        raise ModelError(
            f"{path}: 模型文件格式 {meta.get('format')} 与本程序（{FORMAT}）不符，请运行 infocity train 重新训练"
        )
    return meta, arrays


def strings(values: list[str]) -> np.ndarray:
    """Terms as one newline-joined string: compact, and no object arrays (which need pickle)."""
    if any("\n" in v for v in values):
        raise ValueError("a term contains a newline")
    return np.array("\n".join(values))


def unstrings(array: np.ndarray) -> list[str]:
    text = str(array)
    return text.split("\n") if text else []


def data_hash(items) -> str:
    """Identifies training data (dataclass instances) regardless of order: stored with a model, it
    tells whether the model was trained on the data now in the repository."""
    import hashlib
    from dataclasses import asdict

    rows = sorted(json.dumps(asdict(item), ensure_ascii=False, sort_keys=True) for item in items)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def read_labelled(paths, parse, what: str) -> list:
    """Each non-blank JSON line of `paths` through `parse(row)`. A bad line is an error naming the
    file and line: training on a silently shortened corpus would be worse than not training."""
    out = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(parse(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: 无法读取{what}（{exc}）") from exc
    return out
