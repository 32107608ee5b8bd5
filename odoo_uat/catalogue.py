"""The step catalogue, generated from the step modules, and the check that every feature step is bound.

Testers write feature files from the catalogue (`uat steps`); `uat steps --check` (and `uat run`, before
anything runs) finds steps no definition matches and suggests the closest catalogued ones.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.parser import Feature, FeatureParser, ScenarioTemplate
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from odoo_uat.config import project_on_path
from odoo_uat.errors import FeatureFileError

STEPS_PACKAGE = "steps"


def step_module_names() -> list[str]:
    """Every module of the `steps` package, so a new domain module needs no registration."""
    project_on_path()
    package = importlib.import_module(STEPS_PACKAGE)
    return sorted(f"{STEPS_PACKAGE}.{info.name}" for info in pkgutil.iter_modules(package.__path__) if not info.ispkg)


@dataclass(frozen=True)
class StepDefinition:
    keyword: str  # given / when / then
    text: str  # the pattern as written, with {typed:fields}
    domain: str  # the step module, e.g. "purchase"
    summary: str
    provides: str | None  # the fixture it returns (target_fixture)
    context: StepFunctionContext

    def matches(self, keyword: str, text: str) -> bool:
        return self.keyword in {keyword, "*"} and self.context.parser.is_matching(text)


def step_definitions() -> list[StepDefinition]:
    for name in step_module_names():
        importlib.import_module(name)
    found = []
    for context in list(step_function_context_registry.values()):
        module = inspect.getmodule(context.step_func)
        if module is None or not module.__name__.startswith(f"{STEPS_PACKAGE}."):
            continue
        found.append(
            StepDefinition(
                keyword=context.type or "*",
                text=context.parser.name,
                domain=module.__name__.removeprefix(f"{STEPS_PACKAGE}."),
                summary=(inspect.getdoc(context.step_func) or "").split("\n")[0],
                provides=context.target_fixture,
                context=context,
            )
        )
    unique = {(d.keyword, d.text, d.domain): d for d in found}
    return sorted(unique.values(), key=lambda d: (d.domain, ("given", "when", "then", "*").index(d.keyword), d.text))


@dataclass(frozen=True)
class StepProblem:
    file: str
    line: int
    keyword: str
    text: str
    problem: str
    suggestions: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.keyword.capitalize()} {self.text!r}: {self.problem}"
        if self.suggestions:
            text += "\n    closest catalogued steps:\n" + "\n".join(f"      {s}" for s in self.suggestions)
        return text


def parse_features(directory: Path) -> list[Feature]:
    """Parse every .feature file; a malformed one is a FeatureFileError naming file and line."""
    features = []
    for path in sorted(directory.rglob("*.feature")):
        try:
            features.append(FeatureParser(str(path.parent), path.name).parse())
        except GherkinParseError as exc:
            raise FeatureFileError(f"{path}:{exc.line}: {exc.message} (line: {exc.line_content.strip()!r})") from exc
        except Exception as exc:  # the Gherkin library raises its own types for some syntax errors
            raise FeatureFileError(f"{path}: not a valid feature file: {exc}") from exc
    return features


def _rendered_steps(template: ScenarioTemplate) -> list[tuple[int, str, str]]:
    contexts = [context for examples in template.examples for context in examples.as_contexts()] or [{}]
    seen: dict[tuple[int, str], tuple[int, str, str]] = {}
    for context in contexts:
        for step in template.render(context).steps:
            seen.setdefault((step.line_number, step.name), (step.line_number, step.type, step.name))
    return list(seen.values())


def check_features(features: Iterable[Feature], definitions: list[StepDefinition]) -> list[StepProblem]:
    problems = []
    for feature in features:
        for template in feature.scenarios.values():
            for line, keyword, text in _rendered_steps(template):
                matching = [d for d in definitions if d.matches(keyword, text)]
                if len(matching) == 1:
                    continue
                if matching:
                    problems.append(
                        StepProblem(
                            feature.filename,
                            line,
                            keyword,
                            text,
                            "matches several definitions: " + "; ".join(f"{d.domain}: {d.text}" for d in matching),
                        )
                    )
                    continue
                same_kind = [d.text for d in definitions if d.keyword in {keyword, "*"}]
                suggestions = difflib.get_close_matches(text, same_kind, n=3, cutoff=0.3)
                problems.append(
                    StepProblem(
                        feature.filename,
                        line,
                        keyword,
                        text,
                        "no step definition matches",
                        tuple(f"{keyword.capitalize()} {s}" for s in suggestions),
                    )
                )
    return problems


def require_bound_steps(directory: Path) -> list[Feature]:
    features = parse_features(directory)
    problems = check_features(features, step_definitions())
    if problems:
        raise FeatureFileError(
            f"{len(problems)} step(s) in {directory} are not in the step catalogue (run `uat steps`):\n"
            + "\n".join(str(problem) for problem in problems)
        )
    return features


def catalogue_markdown(definitions: list[StepDefinition]) -> str:
    lines = [
        "# Step catalogue",
        "",
        "Generated from the step modules by `uat steps --markdown`; do not edit by hand.",
        "`{name:d}` is a whole number, `{name:f}` a decimal, `{name}` any text. "
        "A step marked *provides* hands that record to the steps after it.",
    ]
    domain = None
    for definition in definitions:
        if definition.domain != domain:
            domain = definition.domain
            lines += ["", f"## {domain.replace('_', ' ').capitalize()}", ""]
        provides = f" *(provides `{definition.provides}`)*" if definition.provides else ""
        lines.append(f"- **{definition.keyword.capitalize()}** {definition.text}{provides}")
        if definition.summary:
            lines.append(f"  - {definition.summary}")
    return "\n".join(lines) + "\n"
