"""The power of attorney (委托书): one text for every way a case comes in. The citizen reads it when
applying (/my/apply/), the agent reads it out at intake (/cases/new/), Open311 clients get it in the
service definition, and the receipt PDF prints it with the time the applicant confirmed it — so what a
person agreed to is worded the same whoever typed the case in. Change the wording here only."""

from __future__ import annotations

from django.utils.translation import gettext as _


def poa_paragraphs(*, item: str, point: str = "") -> list[str]:
    """The paragraphs of the power of attorney for `item` at `point` (the proxy point's name; empty while
    the applicant has not chosen one yet: "the chosen proxy point")."""
    point = point or _("所选代办点")
    return [
        _(
            "本人因在外地工作、生活，不便返回户籍地办理。本人自愿委托%(point)s的代办员代为办理“%(item)s”事项，"
            "包括：提交和补正申请材料、向户籍地受理部门转递、领取和转交办理结果。"
        )
        % {"point": point, "item": item},
        _(
            "本人保证所填信息和所交材料真实、合法、有效，并对其真实性负责；同意代办点及受理部门为办理本事项使用上述信息。"
            "代办员在委托范围内办理的事项，本人予以认可。"
        ),
        _("委托期限：自确认本委托书之时起，至本事项办结送达或本人撤回申请时止。本人可在受理前撤回申请。"),
    ]


def poa_text(*, item: str, point: str = "") -> str:
    """The power of attorney as one text (Open311's service definition, plain-text uses)."""
    return "".join(poa_paragraphs(item=item, point=point))
