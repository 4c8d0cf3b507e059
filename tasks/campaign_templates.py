"""Campaign letters from marketer-written templates: checked, compiled once, rendered purely.

Marketer templates live in the database, so they run in jinja2's immutable sandbox without a
loader: they see the letter context and nothing else (no files, no Python internals, no
mutation). Our own layout (templates/campaigns/base.html, footer.txt) runs outside the sandbox
and always adds the unsubscribe link and the sender's details, whatever the template says.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, fields
from email.utils import parseaddr
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from jinja2 import (
    StrictUndefined,
    Template,
    TemplateSyntaxError,
    meta,
    nodes,
)
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from models.errors import CrmError
from models.settings import get_settings
from tasks.mail import TEMPLATES_DIR, Letter, file_templates
from tasks.normalise_persons import split_person_name

if TYPE_CHECKING:
    from models.campaigns import MessageTemplate
    from models.persons import Gender

BUILTIN_DIR = TEMPLATES_DIR / "campaigns"
BUILTIN_NAMES = ("newsletter", "birthday", "holiday", "survey")
PARTS = ("subject", "html", "text")


# --- The context a template sees -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonContext:
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(n for n in (self.first_name, self.middle_name, self.last_name) if n)

    def __str__(self) -> str:  # `{{ person }}` prints the name, not the dataclass repr
        return self.full_name


@dataclass(frozen=True, slots=True)
class OrganisationContext:
    name: str  # as stored, with its legal form: ООО «Ромашка»
    legal_form: str | None = None
    city: str | None = None
    address: str | None = None
    website: str | None = None
    phone: str | None = None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class RepContext:
    full_name: str
    email: str | None = None
    phone: str | None = None
    signature: str | None = None

    def __post_init__(self) -> None:
        # Every letter is signed, also by a rep who never wrote a signature.
        if not self.signature:
            lines = [self.full_name, self.phone, self.email]
            object.__setattr__(self, "signature", "\n".join(line for line in lines if line))

    def __str__(self) -> str:
        return self.full_name


@dataclass(frozen=True, slots=True)
class CampaignContext:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class SenderContext:
    name: str
    email: str
    address: str | None = None

    @classmethod
    def from_settings(cls, address: str | None = None) -> SenderContext:
        name, email = parseaddr(get_settings().mail_from)
        return cls(name=name or email, email=email, address=address)

    def __str__(self) -> str:
        return self.name


# `occasion` too: the holiday template names the holiday it congratulates on (a survey
# reminder's is "напоминание"). `survey_url` is the personal survey link of a survey wave's
# letters, None in any other campaign's.
CONTEXT_VARIABLES = frozenset(
    {
        "greeting",
        "person",
        "organisation",
        "rep",
        "campaign",
        "unsubscribe_url",
        "sender",
        "occasion",
        "survey_url",
    }
)


@dataclass(frozen=True, slots=True)
class LetterContext:
    greeting: str
    person: PersonContext
    rep: RepContext
    campaign: CampaignContext
    unsubscribe_url: str
    sender: SenderContext
    organisation: OrganisationContext | None = None  # None for an individual client
    occasion: str | None = None  # the holiday a greeting is for
    survey_url: str | None = None  # a survey wave's personal link
    locale: str = "ru"  # the layout's language; not a template variable

    def __post_init__(self) -> None:
        # The footer's link is the recipient's only way out; a broken one is a compliance bug.
        if not self.unsubscribe_url.startswith(("https://", "http://")):
            raise ValueError(f"unsubscribe_url must be an http(s) URL: {self.unsubscribe_url!r}")
        if self.survey_url is not None and not self.survey_url.startswith(("https://", "http://")):
            raise ValueError(f"survey_url must be an http(s) URL: {self.survey_url!r}")

    def variables(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTEXT_VARIABLES}


def _attributes(cls: type) -> frozenset[str]:
    properties = {name for name, value in vars(cls).items() if isinstance(value, property)}
    return frozenset({f.name for f in fields(cls)} | properties)


_CONTEXT_TYPES = {
    "person": PersonContext,
    "organisation": OrganisationContext,
    "rep": RepContext,
    "campaign": CampaignContext,
    "sender": SenderContext,
}
_ATTRIBUTES = {name: _attributes(cls) for name, cls in _CONTEXT_TYPES.items()}
_ALLOWED_BY_TYPE = {cls: _ATTRIBUTES[name] for name, cls in _CONTEXT_TYPES.items()}


@dataclass(frozen=True, slots=True)
class CampaignTemplate:
    """A template as the campaign flow passes it: the texts, not the ORM row."""

    subject: str
    body_html: str
    body_text: str
    name: str = ""
    template_id: int | None = None

    @classmethod
    def from_row(cls, row: MessageTemplate) -> CampaignTemplate:
        return cls(row.subject, row.body_html, row.body_text, row.name, row.template_id)


# --- Greeting --------------------------------------------------------------------------------

_RU_ADDRESS = {"m": "Уважаемый", "f": "Уважаемая"}
_EN_TITLE = {"m": "Mr", "f": "Ms"}


_STRAY = " ,;:.!?\"'«»()[]-"


def _clean(name: str | None) -> str | None:
    # Names come from imported files; a line break in one would break a header or a line, and
    # a stray comma as the whole name would leave "Здравствуйте, ,".
    return " ".join((name or "").split()).strip(_STRAY) or None


def _is_english(locale: str | None) -> bool:
    return (locale or "").lower().startswith("en")


@lru_cache(maxsize=65_536)  # names repeat a lot across 100,000 letters
def _guessed_gender(first: str | None, middle: str | None, last: str | None) -> str | None:
    # Surname first: the order the splitter expects of a Russian name.
    return split_person_name(" ".join(n for n in (last, first, middle) if n)).gender


def greeting(
    first: str | None,
    middle: str | None = None,
    last: str | None = None,
    gender: Gender | str | None = None,
    locale: str | None = "ru",
) -> str:
    """The address line without its trailing comma: "Уважаемый Иван Петрович", "Dear Ms Petrova"."""
    first, middle, last = _clean(first), _clean(middle), _clean(last)
    code = str(gender or "").strip().lower()[:1]  # Gender.male, "male" and "m" alike
    if code not in _RU_ADDRESS:
        code = _guessed_gender(first, middle, last) if first or middle or last else None
    if _is_english(locale):
        if code and last:
            return f"Dear {_EN_TITLE[code]} {last}"
        name = " ".join(n for n in (first, last) if n)
        return f"Dear {name}" if name else "Hello"
    if not first:  # "Уважаемый Петров" reads as rude in Russian
        return "Здравствуйте"
    name = f"{first} {middle}" if middle else first
    return f"{_RU_ADDRESS[code]} {name}" if code else f"Здравствуйте, {name}"


# --- Environments ----------------------------------------------------------------------------

_MAX_REPEAT = 100_000  # characters or items one `*` may build


class _Sandbox(ImmutableSandboxedEnvironment):
    """Also refuses `'x' * 10**9` and `9 ** 10**9`, which would stall the whole send."""

    intercepted_binops = frozenset({"*", "**"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Our context objects are allow-listed by their fields; cheaper than the generic rules.
        allowed = _ALLOWED_BY_TYPE.get(type(obj))
        if allowed is not None:
            return attr in allowed
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large")
        for seq, count in ((left, right), (right, left)):
            sized = isinstance(seq, str | list | tuple) and isinstance(count, int)
            if sized and len(seq) * count > _MAX_REPEAT:
                raise SecurityError("repeated text too long")
        return super().call_binop(context, operator, left, right)


def _capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _nl2br(text: str) -> Markup:
    return Markup("<br>\n").join(escape(line) for line in str(text).splitlines())


def _sandbox(autoescape: bool) -> _Sandbox:
    env = _Sandbox(
        undefined=StrictUndefined, autoescape=autoescape, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["capitalize_first"] = _capitalize_first
    env.filters["nl2br"] = _nl2br if autoescape else str  # one signature idiom in both parts
    if autoescape:
        # The only variables are our data (names from imported files); none may skip escaping.
        del env.filters["safe"]
    return env


_html_env = _sandbox(autoescape=True)
_text_env = _sandbox(autoescape=False)
_KNOWN_NAMES = CONTEXT_VARIABLES | set(_text_env.globals)

# Ours, not the marketer's: an ordinary environment that may read files.
_layout_env = file_templates(auto_reload=False)  # no stat() per letter
_layout_env.globals.clear()  # the layout uses none, and every render would copy them


@cache
def _layout() -> tuple[Template, Template]:
    return (
        _layout_env.get_template("campaigns/base.html"),
        _layout_env.get_template("campaigns/footer.txt"),
    )


# The layout and footer differ from letter to letter only in these values: they are rendered
# once per sender and language with a marker in each place, and a letter fills the places.
# The markers are random per process, so no template or recipient can write one.
_MARKERS = {name: f"crm-{secrets.token_hex(12)}-{name}" for name in ("title", "body", "url")}
_MARKER = re.compile("|".join(map(re.escape, _MARKERS.values())))
_MARKED = {marker: name for name, marker in _MARKERS.items()}


@dataclass(frozen=True, slots=True)
class _Frame:
    pieces: tuple[str, ...]  # text, place, text, ..., text: places are names of _MARKERS

    @classmethod
    def of(cls, rendered: str) -> _Frame:
        pieces, start = [], 0
        for found in _MARKER.finditer(rendered):
            pieces += [rendered[start : found.start()], _MARKED[found.group()]]
            start = found.end()
        return cls((*pieces, rendered[start:]))

    def fill(self, values: dict[str, str]) -> str:
        pieces = list(self.pieces)
        pieces[1::2] = [values[name] for name in pieces[1::2]]
        return "".join(pieces)


@lru_cache(maxsize=64)
def _frames(sender: SenderContext, lang: str) -> tuple[_Frame, _Frame]:
    layout, footer = _layout()
    shared = {"sender": sender, "unsubscribe_url": _MARKERS["url"], "lang": lang}
    html = layout.render(shared, body=Markup(_MARKERS["body"]), title=_MARKERS["title"])
    return _Frame.of(html), _Frame.of(footer.render(shared))


def _env_for(part: str) -> _Sandbox:
    return _html_env if part == "html" else _text_env


# --- Checking --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    part: str  # subject, html or text
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.part} line {self.line or '?'}: {self.message}"


class TemplateError(CrmError):
    """A template that cannot be used; `problems` lists every fault found."""

    def __init__(self, message: str, problems: Sequence[TemplateProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledTemplate:
    subject: Template
    html: Template
    text: Template


def _attribute_problem(node: nodes.Getattr | nodes.Getitem) -> str | None:
    if isinstance(node, nodes.Getattr):
        attr = node.attr
    elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        attr = node.arg.value
    else:
        return None
    if attr.startswith("_"):
        return f"access to '{attr}' is not allowed"
    owner = node.node.name if isinstance(node.node, nodes.Name) else None
    if owner in _ATTRIBUTES and attr not in _ATTRIBUTES[owner]:
        known = ", ".join(sorted(_ATTRIBUTES[owner]))
        return f"unknown attribute '{attr}' of {owner} (known: {known})"
    return None


def _static_problems(part: str, ast: nodes.Template) -> list[TemplateProblem]:
    """What can be seen without rendering, in every branch, with line numbers where known."""
    env = _env_for(part)
    try:  # meta compiles the template, so it also meets unknown filters outside any `if`
        unknown = sorted(meta.find_undeclared_variables(ast) - _KNOWN_NAMES)
        found = [(None, f"unknown variable '{name}'") for name in unknown]
    except TemplateSyntaxError as exc:
        message = exc.message or str(exc)
        # Unknown filters and tests are reported below, in every branch, so not twice.
        found = [] if message.startswith(("No filter", "No test")) else [(exc.lineno, message)]
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        if message := _attribute_problem(node):
            found.append((node.lineno, message))
    for node in ast.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        found.append((node.lineno, "a template cannot include, import or extend other files"))
    # Unknown filters and tests inside an `if` fail only when the branch runs.
    for node in ast.find_all(nodes.Filter):
        if node.name not in env.filters:
            hint = " (the html part is always escaped)" if node.name == "safe" else ""
            found.append((node.lineno, f"unknown filter '{node.name}'{hint}"))
    for node in ast.find_all(nodes.Test):
        if node.name not in env.tests:
            found.append((node.lineno, f"unknown test '{node.name}'"))
    if part == "html":
        for node in ast.find_all(nodes.EvalContextModifier):
            if any(option.key == "autoescape" for option in node.options):
                found.append((node.lineno, "autoescaping cannot be switched off"))
    return [TemplateProblem(part, line, message) for line, message in found]


def _template_line(exc: BaseException) -> int | None:
    # jinja2 rewrites tracebacks so that template frames carry the template's own line numbers.
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@cache
def _sample_contexts() -> list[tuple[str, LetterContext]]:
    """A company contact with every field set, and an individual client with the least."""
    rep = RepContext("Анна Сергеевна Смирнова", "smirnova@example.com", "+7 495 123-45-67")
    sender = SenderContext("ООО «Пример»", "crm@example.com", "Москва, ул. Примерная, 1")
    url = "https://example.com/unsubscribe/sample"
    company = LetterContext(
        greeting=greeting("Иван", "Петрович", "Петров"),
        person=PersonContext("Иван", "Петрович", "Петров"),
        organisation=OrganisationContext(
            "ООО «Ромашка»", "ООО", "Москва", "ул. Ленина, 1", "https://romashka.example", "+7 495"
        ),
        rep=rep,
        campaign=CampaignContext("Пример рассылки"),
        unsubscribe_url=url,
        sender=sender,
        occasion="День бухгалтера",
        survey_url="https://example.com/s/sample",
    )
    individual = LetterContext(
        greeting=greeting("Alex", None, "Smith", None, "en"),
        person=PersonContext("Alex", None, "Smith"),
        rep=rep,
        campaign=CampaignContext("Пример рассылки"),
        unsubscribe_url=url,
        sender=sender,
    )
    return [("", company), ("for an individual client (organisation is None): ", individual)]


def _dry_run_problems(part: str, template: Template) -> list[TemplateProblem]:
    """What only rendering shows: attributes of loop variables, None where a value was expected."""
    for label, context in _sample_contexts():
        try:
            template.render(context.variables())
        except Exception as exc:  # a check reports a template's fault; it must not crash on it
            message = str(exc) if isinstance(exc, JinjaError) else f"{type(exc).__name__}: {exc}"
            return [TemplateProblem(part, _template_line(exc), f"{label}{message}")]
    return []


def _check_part(part: str, source: str) -> tuple[Template | None, list[TemplateProblem]]:
    env = _env_for(part)
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        return None, [TemplateProblem(part, exc.lineno, exc.message or str(exc))]
    if found := _static_problems(part, ast):
        return None, found
    try:
        template = env.from_string(ast)
    except TemplateSyntaxError as exc:
        return None, [TemplateProblem(part, exc.lineno, exc.message or str(exc))]
    # Every render copies the globals into the letter's context; read through jinja's chain of
    # the template's and the environment's (a ChainMap, iterated in Python) that costs more than
    # a short letter does. The environments never change after import: one plain dict will do.
    template.globals = dict(template.globals)
    return template, _dry_run_problems(part, template)


def _check(
    subject: str, html: str, text: str
) -> tuple[CompiledTemplate | None, list[TemplateProblem]]:
    compiled: dict[str, Template | None] = {}
    problems: list[TemplateProblem] = []
    for part, source in zip(PARTS, (subject, html, text), strict=True):
        compiled[part], found = _check_part(part, source)
        problems += found
    if problems:
        return None, problems
    return CompiledTemplate(**compiled), []  # type: ignore[arg-type]


def check_template(subject: str, html: str, text: str) -> list[TemplateProblem]:
    """Every problem found in the three parts; an empty list means the template can be sent."""
    return _check(subject, html, text)[1]


def _error(problems: Sequence[TemplateProblem]) -> TemplateError:
    listed = "; ".join(map(str, problems))
    return TemplateError(f"The template has {len(problems)} problem(s): {listed}", problems)


def require_valid(subject: str, html: str, text: str) -> None:
    """Raise TemplateError listing all problems, if there are any."""
    if problems := check_template(subject, html, text):
        raise _error(problems)


@lru_cache(maxsize=256)
def compile_template(subject: str, html: str, text: str) -> CompiledTemplate:
    """Checked and compiled once per content: an edited template is never served from cache."""
    compiled, problems = _check(subject, html, text)
    if compiled is None:
        raise _error(problems)
    return compiled


# --- Rendering -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(subject: str) -> str:
    # str.split() also splits on CR, LF and Unicode line separators: no header can be injected.
    return _CONTROL.sub("", " ".join(subject.split()))


def render_campaign_letter(
    template: CampaignTemplate | CompiledTemplate, context: LetterContext, to: str
) -> Letter:
    """One recipient's letter: pure (no I/O, no settings), so sending stays a separate step."""
    if isinstance(template, CampaignTemplate):
        template = compile_template(template.subject, template.body_html, template.body_text)
    variables = context.variables()
    subject = _one_line(template.subject.render(variables))
    layout, footer = _frames(context.sender, "en" if _is_english(context.locale) else "ru")
    url = context.unsubscribe_url
    # The sandbox already escaped the body; the layout must not escape it twice. The title and
    # the link are escaped as the layout's {{ }} would.
    body = template.html.render(variables)
    text = template.text.render(variables).rstrip()
    return Letter(
        to=to,
        subject=subject,
        text=f"{text}\n\n{footer.fill({'url': url})}",
        html=layout.fill({"title": escape(subject), "body": body, "url": escape(url)}),
    )


def load_builtin(name: str) -> tuple[str, str, str]:
    """The built-in template `name` as (subject, html, text) sources."""
    if name not in BUILTIN_NAMES:  # also keeps a name from reaching outside the folder
        raise TemplateError(f"No built-in template {name!r}; known: {', '.join(BUILTIN_NAMES)}")
    return tuple(  # type: ignore[return-value]
        (BUILTIN_DIR / f"{name}.{suffix}").read_text(encoding="utf-8")
        for suffix in ("subject.txt", "html", "txt")
    )
