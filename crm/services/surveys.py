"""Writes of the satisfaction surveys: SSI after a delivery (sales), CSI after a service visit.

* :func:`questionnaire_create`, :func:`questionnaire_update`, :func:`questionnaire_activate` —
  versioned questionnaires (``crm.change_survey``). A version that already has answers is never
  changed: editing it saves the next version (active in its place when it was the active one),
  so past answers keep the questions they answered; a version without answers is edited in
  place. One active questionnaire per dealership and kind (a database constraint).
* :func:`questionnaires_seed` — the dealership initializer: an active default SSI and CSI
  questionnaire for a dealership that has none of the kind (idempotent).
* :func:`survey_record` — the answers of one survey (on the follow-up call, or face to face at
  the delivery ceremony), validated against the questions of the kind's active questionnaire,
  with the question's text kept on each answer and the score (the mean of the score answers).
  A score under the questionnaire's threshold, or the customer's complaint, opens a complaint
  (:func:`crm.services.complaints.complaint_from_survey`) in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    EventKind,
    FollowUp,
    FollowUpStatus,
    Question,
    QuestionKind,
    Questionnaire,
    SurveyAnswer,
    SurveyChannel,
    SurveyResponse,
)
from crm.models.followups import OPEN_STATUSES
from dealership.access import check_model_permission, lock_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope

__all__ = [
    "DEFAULT_QUESTIONNAIRES",
    "MAX_CHOICES",
    "TEXT_ANSWER_MAX",
    "active_questionnaire",
    "answer_field",
    "clean_questions",
    "questionnaire_activate",
    "questionnaire_create",
    "questionnaire_update",
    "questionnaires_seed",
    "seed_questionnaires",
    "survey_record",
]

TEXT_ANSWER_MAX = 2000
CHOICE_MAX_LENGTH = 100
MAX_CHOICES = 20
MAX_QUESTIONS = 50
QUESTIONNAIRE_FIELDS = ("kind", "version", "title", "script", "complaint_below", "is_active")
QUESTION_FIELDS = ("questionnaire", "position", "text", "kind", "choices", "required")

# The questionnaires every dealership starts with (data read by a Chinese dealership, so in
# Chinese): kind -> title, call script, threshold, questions (kind, text, required, choices).
DEFAULT_QUESTIONNAIRES: dict[str, dict] = {
    EventKind.SALES.value: {
        "title": "销售满意度回访（SSI）",
        "script": (
            "您好，请问是××先生/女士吗？我是本店客户服务部的回访专员，"
            "感谢您在本店购车。耽误您两分钟，想了解一下您对购车和交车服务的感受，可以吗？\n"
            "（核对车主信息：姓名、手机号、地址是否正确。）\n"
            "……\n"
            "非常感谢您的宝贵意见，祝您用车愉快！如有任何问题，欢迎随时致电本店。"
        ),
        "complaint_below": 7,
        "questions": [
            ("score", "您对销售顾问的服务是否满意？（0–10 分）", True, []),
            ("yes_no", "交车时销售顾问是否为您讲解了车辆的功能和操作？", True, []),
            ("yes_no", "交车时车辆是否干净、完好？", True, []),
            ("score", "您对交车过程是否满意？（0–10 分）", True, []),
            (
                "choice",
                "您最初是通过什么渠道了解到本店的？",
                False,
                ["亲友推荐", "网络（汽车之家、懂车帝等）", "路过到店", "老客户", "其他"],
            ),
            ("score", "您向亲友推荐本店的可能性有多大？（0–10 分）", True, []),
            ("text", "您对我们还有什么意见或建议？", False, []),
        ],
    },
    EventKind.SERVICE.value: {
        "title": "售后服务满意度回访（CSI）",
        "script": (
            "您好，请问是××先生/女士吗？我是本店客户服务部的回访专员，"
            "感谢您近期到店维修保养。耽误您两分钟，想了解一下您对本次服务的感受，可以吗？\n"
            "（核对车主信息：姓名、手机号、地址是否正确。）\n"
            "……\n"
            "非常感谢您的宝贵意见，祝您行车平安！下次保养前我们会提前提醒您。"
        ),
        "complaint_below": 7,
        "questions": [
            ("score", "您对服务顾问的接待是否满意？（0–10 分）", True, []),
            ("yes_no", "您的车辆是否一次修好？", True, []),
            ("yes_no", "是否按约定时间交车？", True, []),
            ("yes_no", "交车时服务顾问是否向您解释了维修项目和费用？", True, []),
            ("score", "您对本次维修保养的质量是否满意？（0–10 分）", True, []),
            ("score", "您向亲友推荐本店售后服务的可能性有多大？（0–10 分）", True, []),
            ("text", "您对我们还有什么意见或建议？", False, []),
        ],
    },
}


def _pk(value):
    return getattr(value, "pk", value)


# --- questionnaires ------------------------------------------------------------------------------


def clean_questions(questions) -> list[dict]:
    """The questions as saved: ordered by their ``position`` (then as given) and numbered 1, 2,
    …; each ``{"text", "kind", "choices", "required"}`` checked. ``ValidationError`` on
    ``questions`` naming the question otherwise."""
    if not isinstance(questions, list | tuple) or not questions:
        raise ValidationError({"questions": _("Add at least one question.")})
    if len(questions) > MAX_QUESTIONS:
        raise ValidationError({"questions": _("At most %(n)s questions.") % {"n": MAX_QUESTIONS}})
    rows, errors = [], []
    for index, raw in enumerate(questions):
        label = _("Question %(n)s") % {"n": index + 1}
        if not isinstance(raw, dict):
            errors.append(_("%(q)s: not a question.") % {"q": label})
            continue
        text = str(raw.get("text") or "").strip()
        kind = raw.get("kind")
        choices = raw.get("choices") or []
        if isinstance(choices, str):
            choices = choices.splitlines()
        if not isinstance(choices, list | tuple):
            choices = [None]
        position = raw.get("position")
        try:
            position = int(position) if position not in (None, "") else 10_000 + index
        except (TypeError, ValueError):
            position = 10_000 + index
        if not text:
            errors.append(_("%(q)s: enter the question.") % {"q": label})
        elif len(text) > 300:
            errors.append(_("%(q)s: at most 300 characters.") % {"q": label})
        if kind not in QuestionKind.values:
            errors.append(_("%(q)s: choose the kind of answer.") % {"q": label})
        options = []
        for option in choices:
            if not isinstance(option, str | int) or isinstance(option, bool):
                errors.append(_("%(q)s: each option is a text.") % {"q": label})
                break
            option = str(option).strip()
            if option and option not in options:
                options.append(option)
        if kind == QuestionKind.CHOICE:
            if len(options) < 2:
                errors.append(_("%(q)s: give at least two options, one per line.") % {"q": label})
            elif len(options) > MAX_CHOICES:
                errors.append(_("%(q)s: at most %(n)s options.") % {"q": label, "n": MAX_CHOICES})
            elif any(len(o) > CHOICE_MAX_LENGTH for o in options):
                errors.append(
                    _("%(q)s: an option has at most %(n)s characters.")
                    % {"q": label, "n": CHOICE_MAX_LENGTH}
                )
        else:
            options = []
        rows.append(
            (
                position,
                index,
                {
                    "text": text,
                    "kind": kind,
                    "choices": options,
                    "required": bool(raw.get("required", True)),
                },
            )
        )
    if errors:
        raise ValidationError({"questions": errors})
    rows.sort(key=lambda row: (row[0], row[1]))
    return [{**row, "position": n} for n, (_p, _i, row) in enumerate(rows, start=1)]


def _clean_header(title, complaint_below) -> tuple[str, int]:
    title = str(title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the questionnaire a title.")})
    if len(title) > 200:
        raise ValidationError({"title": _("At most 200 characters.")})
    try:
        threshold = int(complaint_below)
    except (TypeError, ValueError):
        threshold = -1
    if not 0 <= threshold <= 10 or isinstance(complaint_below, bool):
        raise ValidationError(
            {"complaint_below": _("A score from 0 to 10 (0: a low score never opens one).")}
        )
    return title, threshold


def _save_questions(actor, questionnaire: Questionnaire, questions: list[dict]) -> None:
    for row in questions:
        question = Question(
            dealership_id=questionnaire.dealership_id, questionnaire=questionnaire, **row
        )
        save_audited(actor=actor, obj=question, before=None, fields=QUESTION_FIELDS)


def _question_rows(questionnaire: Questionnaire) -> list[dict]:
    return [
        {"text": q.text, "kind": q.kind, "choices": list(q.choices), "required": q.required}
        for q in questionnaire.questions.order_by("position", "pk")
    ]


def _lock_kind(kind: str) -> int:
    """Lock the kind's questionnaires (versions are numbered and activated one at a time);
    returns the highest version so far."""
    rows = list(
        Questionnaire.objects.select_for_update()
        .filter(kind=kind)
        .values_list("version", flat=True)
    )
    return max(rows, default=0)


def _integrity(error: IntegrityError):
    return ValidationError(
        _("Someone else changed the questionnaires at the same moment; please try again.")
    )


@transaction.atomic
def questionnaire_create(
    *,
    actor,
    kind: str,
    title: str,
    questions,
    script: str = "",
    complaint_below: int = 7,
) -> Questionnaire:
    """A new questionnaire of ``kind`` (the next version number). It is the one in use when the
    kind has none yet; otherwise it waits for :func:`questionnaire_activate`."""
    check_model_permission(actor, Questionnaire, "add")
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("Choose sales (SSI) or service (CSI).")})
    title, threshold = _clean_header(title, complaint_below)
    rows = clean_questions(questions)
    latest = _lock_kind(kind)
    has_active = Questionnaire.objects.filter(kind=kind, is_active=True).exists()
    questionnaire = Questionnaire(
        dealership_id=get_scope().current_id,
        kind=kind,
        version=latest + 1,
        title=title,
        script=str(script or "").strip(),
        complaint_below=threshold,
        is_active=not has_active,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=questionnaire, before=None, fields=QUESTIONNAIRE_FIELDS)
            _save_questions(actor, questionnaire, rows)
    except IntegrityError as error:
        raise _integrity(error) from None
    return questionnaire


UNSET = object()


@transaction.atomic
def questionnaire_update(
    *,
    actor,
    questionnaire_id,
    title=UNSET,
    script=UNSET,
    complaint_below=UNSET,
    questions=UNSET,
) -> Questionnaire:
    """Change a questionnaire (only the values given). A version with answers is kept as it is
    and the changes are saved as the next version (which replaces it as the one in use when it
    was); returns the questionnaire now holding the changes."""
    old = lock_for_user(actor, Questionnaire, _pk(questionnaire_id), "change")
    new_title, threshold = _clean_header(
        old.title if title is UNSET else title,
        old.complaint_below if complaint_below is UNSET else complaint_below,
    )
    new_script = old.script if script is UNSET else str(script or "").strip()
    rows = clean_questions(_question_rows(old) if questions is UNSET else questions)
    if not old.responses.exists():
        before = snapshot(old, QUESTIONNAIRE_FIELDS)
        old.title, old.script, old.complaint_below = new_title, new_script, threshold
        save_audited(actor=actor, obj=old, before=before, fields=QUESTIONNAIRE_FIELDS)
        if questions is not UNSET:
            for question in list(old.questions.all()):
                gone = snapshot(question, QUESTION_FIELDS)
                question_pk = question.pk
                question.delete()
                question.pk = question_pk
                audit_record(
                    actor=actor,
                    action=AuditEntry.Action.DELETE,
                    obj=question,
                    before=gone,
                    after=None,
                )
            _save_questions(actor, old, rows)
        return old
    latest = _lock_kind(old.kind)
    new = Questionnaire(
        dealership_id=old.dealership_id,
        kind=old.kind,
        version=latest + 1,
        title=new_title,
        script=new_script,
        complaint_below=threshold,
        is_active=False,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=new, before=None, fields=QUESTIONNAIRE_FIELDS)
            _save_questions(actor, new, rows)
            if old.is_active:
                _activate(actor, new)
    except IntegrityError as error:
        raise _integrity(error) from None
    return new


def _activate(actor, questionnaire: Questionnaire) -> None:
    for other in Questionnaire.objects.filter(kind=questionnaire.kind, is_active=True).exclude(
        pk=questionnaire.pk
    ):
        before = snapshot(other, QUESTIONNAIRE_FIELDS)
        other.is_active = False
        save_audited(actor=actor, obj=other, before=before, fields=QUESTIONNAIRE_FIELDS)
    before = snapshot(questionnaire, QUESTIONNAIRE_FIELDS)
    questionnaire.is_active = True
    save_audited(actor=actor, obj=questionnaire, before=before, fields=QUESTIONNAIRE_FIELDS)


@transaction.atomic
def questionnaire_activate(*, actor, questionnaire_id) -> Questionnaire:
    """Make the questionnaire the one in use for its kind (the previous one stops being used;
    surveys already taken keep the version they were taken with)."""
    questionnaire = lock_for_user(actor, Questionnaire, _pk(questionnaire_id), "change")
    if questionnaire.is_active:
        return questionnaire
    if not questionnaire.questions.exists():
        raise ValidationError(_("A questionnaire without questions cannot be used."))
    _lock_kind(questionnaire.kind)
    try:
        with transaction.atomic():
            _activate(actor, questionnaire)
    except IntegrityError as error:
        raise _integrity(error) from None
    return questionnaire


def seed_questionnaires(questionnaire_model, question_model, dealership_id) -> int:
    """Create the default questionnaire of each kind the dealership has none of, active, with
    the given model classes (the app's, or a migration's historical ones); returns how many."""
    have = set(
        questionnaire_model.objects.filter(dealership_id=dealership_id).values_list(
            "kind", flat=True
        )
    )
    created = 0
    for kind, default in DEFAULT_QUESTIONNAIRES.items():
        if kind in have:
            continue
        questionnaire = questionnaire_model.objects.create(
            dealership_id=dealership_id,
            kind=kind,
            version=1,
            title=default["title"],
            script=default["script"],
            complaint_below=default["complaint_below"],
            is_active=True,
        )
        question_model.objects.bulk_create(
            [
                question_model(
                    dealership_id=dealership_id,
                    questionnaire=questionnaire,
                    position=n,
                    kind=qkind,
                    text=text,
                    required=required,
                    choices=list(choices),
                )
                for n, (qkind, text, required, choices) in enumerate(default["questions"], 1)
            ]
        )
        created += 1
    return created


def questionnaires_seed(dealership) -> None:
    """A dealership initializer: the default SSI and CSI questionnaires, active, for a
    dealership without a questionnaire of that kind. Idempotent."""
    seed_questionnaires(Questionnaire, Question, _pk(dealership))


def active_questionnaire(kind: str, dealership_id=None) -> Questionnaire | None:
    """The questionnaire in use for ``kind`` (questions prefetched) of ``dealership_id`` — by
    default the current dealership (an HQ scope reads several: name the follow-up's)."""
    dealership_id = dealership_id or get_scope().current_id
    return (
        Questionnaire.objects.filter(dealership_id=dealership_id, kind=kind, is_active=True)
        .prefetch_related("questions")
        .first()
    )


# --- surveys -------------------------------------------------------------------------------------


def answer_field(question) -> str:
    """The name an answer is reported under in errors (and the form field's name)."""
    return f"q_{_pk(question)}"


YES = {"yes", "true", "1", "y", "on", "是"}
NO = {"no", "false", "0", "n", "off", "否"}


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _answer(question: Question, value) -> dict:
    """The stored values of one answer to ``question``; ``ValidationError`` otherwise."""
    field = answer_field(question)
    if question.kind == QuestionKind.SCORE:
        if isinstance(value, bool):
            value = None
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or not 0 <= value <= 10:
            raise ValidationError({field: _("Give a whole score from 0 to 10.")})
        return {"score": value}
    if question.kind == QuestionKind.YES_NO:
        if isinstance(value, str):
            text = value.strip().lower()
            value = True if text in YES else False if text in NO else None
        if not isinstance(value, bool):
            raise ValidationError({field: _("Answer yes or no.")})
        return {"yes": value}
    if question.kind == QuestionKind.CHOICE:
        if not isinstance(value, str) or value.strip() not in question.choices:
            raise ValidationError({field: _("Choose one of the options.")})
        return {"text": value.strip()}
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter the answer as text.")})
    text = value.strip()
    if len(text) > TEXT_ANSWER_MAX:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": TEXT_ANSWER_MAX}})
    return {"text": text}


def _clean_answers(questionnaire: Questionnaire, answers) -> list[tuple[Question, dict]]:
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Give the answers by question.")})
    questions = {q.pk: q for q in questionnaire.questions.all()}
    given = {}
    for key, value in answers.items():
        try:
            pk = int(str(key).removeprefix("q_"))
        except ValueError:
            pk = None
        if pk not in questions:
            raise ValidationError(
                {
                    "answers": _(
                        "Question %(key)s is not in the questionnaire in use (it may have "
                        "changed); answer its questions again."
                    )
                    % {"key": str(key)[:20]}
                }
            )
        given[pk] = value
    cleaned, errors = [], {}
    for pk, question in sorted(questions.items(), key=lambda kv: (kv[1].position, kv[0])):
        value = given.get(pk)
        if _empty(value):
            if question.required:
                errors[answer_field(question)] = [_("This question needs an answer.")]
            continue
        try:
            cleaned.append((question, _answer(question, value)))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _mean(scores: list[int]) -> Decimal | None:
    if not scores:
        return None
    return (Decimal(sum(scores)) / Decimal(len(scores))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _check_channel(followup: FollowUp, channel: str, day: dt.date) -> None:
    if channel == SurveyChannel.FACE_TO_FACE:
        if followup.kind != EventKind.SALES:
            raise ValidationError(
                {"channel": _("Face-to-face surveys are taken at the delivery ceremony.")}
            )
        if day < followup.event_date:
            raise ValidationError(
                _("A face-to-face survey is taken from the delivery day (%(day)s).")
                % {"day": f"{followup.event_date:%Y-%m-%d}"}
            )
        return
    if followup.status == FollowUpStatus.NOT_CALLED:
        raise ValidationError(
            _("This customer is not called: %(reason)s") % {"reason": followup.reason}
        )
    if followup.status not in (*OPEN_STATUSES, FollowUpStatus.DONE):
        raise ValidationError(
            _("This follow-up is closed (%(status)s).") % {"status": followup.get_status_display()}
        )
    if day < followup.window_start:
        raise ValidationError(
            _("The call window opens on %(day)s.") % {"day": f"{followup.window_start:%Y-%m-%d}"}
        )


@transaction.atomic
def survey_record(
    *,
    actor,
    followup_id,
    answers: dict,
    channel: str = SurveyChannel.CALL,
    comment: str = "",
    complaint: str = "",
    at: dt.datetime | None = None,
) -> SurveyResponse:
    """Record the customer's answers (``{question id: value}``: a whole score 0–10, yes/no, one
    of a choice question's options, or text) to the active questionnaire of the follow-up's
    kind, once per follow-up and channel. A call survey needs the call window open (the call
    screen records it together with the connected attempt); a face-to-face survey (sales only)
    may be taken any day from the delivery. A score under the questionnaire's threshold, or
    ``complaint`` (what the customer complains about), opens a complaint."""
    if channel not in SurveyChannel.values:
        raise ValidationError({"channel": _("Choose how the survey was taken.")})
    followup = lock_for_user(actor, FollowUp, _pk(followup_id), "change")
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("A survey cannot be taken in the future.")})
    _check_channel(followup, channel, timezone.localdate(at))
    if SurveyResponse.objects.filter(followup=followup, channel=channel).exists():
        raise ValidationError(
            _("This follow-up already has a survey taken %(channel)s.")
            % {"channel": SurveyChannel(channel).label.lower()}
        )
    questionnaire = active_questionnaire(followup.kind, followup.dealership_id)
    if questionnaire is None:
        raise ValidationError(
            _("No questionnaire is in use for %(kind)s; ask the CRM manager to activate one.")
            % {"kind": followup.get_kind_display()}
        )
    cleaned = _clean_answers(questionnaire, answers)
    comment = str(comment or "").strip()
    complaint = str(complaint or "").strip()
    if len(comment) > TEXT_ANSWER_MAX:
        raise ValidationError({"comment": _("At most %(n)s characters.") % {"n": TEXT_ANSWER_MAX}})
    if len(complaint) > TEXT_ANSWER_MAX:
        raise ValidationError(
            {"complaint": _("At most %(n)s characters.") % {"n": TEXT_ANSWER_MAX}}
        )
    scores = [values["score"] for _q, values in cleaned if "score" in values]
    response = SurveyResponse(
        dealership_id=followup.dealership_id,
        followup=followup,
        questionnaire=questionnaire,
        channel=channel,
        taken_at=at,
        taken_by=actor,
        score=_mean(scores),
        comment=comment,
    )
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=response, before=None)
    except IntegrityError:
        raise ValidationError(
            _("This follow-up already has a survey taken %(channel)s.")
            % {"channel": SurveyChannel(channel).label.lower()}
        ) from None
    for question, values in cleaned:
        answer = SurveyAnswer(
            dealership_id=followup.dealership_id,
            response=response,
            question=question,
            question_text=question.text,
            **values,
        )
        save_audited(actor=actor, obj=answer, before=None)
    low = [
        (question, values["score"])
        for question, values in cleaned
        if "score" in values and values["score"] < questionnaire.complaint_below
    ]
    if low or complaint:
        from crm.services.complaints import complaint_from_survey

        reasons = [
            _("Score %(score)s: %(question)s") % {"score": score, "question": question.text}
            for question, score in low
        ]
        if complaint:
            reasons.append(complaint)
        complaint_from_survey(actor=actor, response=response, reason="\n".join(reasons))
    return response
