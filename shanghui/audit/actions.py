"""Every action the audit log records, with the label the audit page and its export show.

`services.record()` refuses an action that is not here, so a new kind of audit row starts with a line in
this enum (its code "domain.verb", its Chinese label) and never shows up as a raw code on the audit page.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # Accounts and sign-in
    LOGIN = "auth.login", _("登录")
    LOGOUT = "auth.logout", _("退出登录")
    LOGIN_FAILED = "auth.login_failed", _("登录失败")
    CITIZEN_LOGIN = "citizen.login", _("申请人验证手机号登录")
    USER_CREATE = "user.create", _("新建用户")
    USER_UPDATE = "user.update", _("修改用户")
    API_TOKEN_CREATE = "api_token.create", _("创建 API 令牌")
    API_TOKEN_REVOKE = "api_token.revoke", _("吊销 API 令牌")
    # Organisations and roles
    ROLE_GRANT = "role.grant", _("授予角色")
    ROLE_REVOKE = "role.revoke", _("撤销角色")
    ORG_CREATE = "org.create", _("新建组织")
    ORG_UPDATE = "org.update", _("修改组织")
    PII_REVEAL = "pii.reveal", _("查看完整身份证号")
    # Exports
    ORG_EXPORT = "org.export", _("导出组织")
    MEMBER_EXPORT = "member.export", _("导出成员")
    AUDIT_EXPORT = "audit.export", _("导出审计日志")
    CATALOG_EXPORT = "catalog.export", _("导出事项目录")
    CASE_EXPORT = "case.export", _("导出代办件")
    CASE_STATS_EXPORT = "case.stats_export", _("导出代办统计")
    MEDIATION_EXPORT = "mediation.export", _("导出纠纷")
    MEDIATION_STATS_EXPORT = "mediation.stats_export", _("导出调解统计")
    # The audit log itself
    AUDIT_KEY_ROTATE = "audit.key_rotate", _("更换审计日志密钥")
    # Downloads of files people uploaded
    CASE_MATERIAL_DOWNLOAD = "case.material.download", _("下载办件材料")
    MEDIATION_FILE_DOWNLOAD = "mediation.file.download", _("下载纠纷材料")
    CONVERSATION_FILE_DOWNLOAD = "conversation.file.download", _("下载会话文件")
    # Catalogue
    CATALOG_ITEM_CREATE = "catalog.item.create", _("新建服务事项")
    CATALOG_ITEM_UPDATE = "catalog.item.update", _("修改服务事项")
    CATALOG_IMPORT_START = "catalog.import.start", _("上传事项目录")
    CATALOG_IMPORT = "catalog.import", _("导入事项目录")
    CATALOG_SYNONYM_CREATE = "catalog.synonym.create", _("新增同义词")
    CATALOG_SYNONYM_UPDATE = "catalog.synonym.update", _("修改同义词")
    CATALOG_SYNONYM_DELETE = "catalog.synonym.delete", _("删除同义词")
    CATALOG_OFFER_UPDATE = "catalog.offer.update", _("修改代办点事项设置")
    # Proxy cases: bad-rating follow-ups (proxy.services.FOLLOW_UP_MOVES) and requests through Open311
    FOLLOWUP_ANSWER = "followup.answer", _("提交差评整改答复")
    FOLLOWUP_CLOSE = "followup.close", _("差评整改审核通过")
    FOLLOWUP_REOPEN = "followup.reopen", _("差评整改退回重办")
    FOLLOWUP_APPEAL = "followup.appeal", _("差评申诉")
    FOLLOWUP_UPHOLD_APPEAL = "followup.uphold_appeal", _("差评申诉成立")
    FOLLOWUP_REJECT_APPEAL = "followup.reject_appeal", _("驳回差评申诉")
    OPEN311_REQUEST_CREATE = "open311.request.create", _("通过 Open311 接口提交办件")
    # Donations ledger (shanghui/donations) and pairing (shanghui/pairing)
    DONATION_FUND_CREATE = "donation.fund.create", _("新建捐赠基金")
    DONATION_FUND_STATUS = "donation.fund.status", _("基金开始或结束募集")
    DONATION_PLEDGE_CREATE = "donation.pledge.create", _("登记认捐")
    DONATION_PLEDGE_CANCEL = "donation.pledge.cancel", _("取消认捐")
    DONATION_GIFT_RECORD = "donation.gift.record", _("登记捐赠")
    DONATION_GIFT_REVERSE = "donation.gift.reverse", _("冲正捐赠")
    DONATION_GIFT_ACKNOWLEDGE = "donation.gift.acknowledge", _("开具捐赠收款确认")
    DONATION_GIFT_RECEIPT = "donation.gift.receipt", _("补录捐赠票据")
    DONATION_DISBURSEMENT_REQUEST = "donation.disbursement.request", _("申请拨付")
    DONATION_DISBURSEMENT_APPROVE = "donation.disbursement.approve", _("批准拨付")
    DONATION_DISBURSEMENT_REJECT = "donation.disbursement.reject", _("驳回拨付")
    DONATION_DISBURSEMENT_PAY = "donation.disbursement.pay", _("确认已拨付")
    DONATION_DISBURSEMENT_CANCEL = "donation.disbursement.cancel", _("撤销拨付")
    DONATION_STATEMENT_IMPORT = "donation.statement.import", _("导入银行流水")
    DONATION_EXPORT = "donation.export", _("导出捐赠台账")
    DONATION_STATS_EXPORT = "donation.stats_export", _("导出捐赠统计")
    PAIRING_CREATE = "pairing.create", _("新建结对")
    PAIRING_END = "pairing.end", _("结束结对")
    PAIRING_PROJECT_CREATE = "pairing.project.create", _("新增帮扶项目")
    PAIRING_OUTCOME_RECORD = "pairing.outcome.record", _("登记帮扶成效")
    PAIRING_EXPORT = "pairing.export", _("导出结对帮扶")
    PAIRING_AGREEMENT_DOWNLOAD = "pairing.agreement.download", _("下载结对协议")
    # Notifications
    NOTIFY_CHANNEL_CREATE = "notify.channel.create", _("新建群机器人")
    NOTIFY_CHANNEL_UPDATE = "notify.channel.update", _("修改群机器人")
    NOTIFY_RESEND = "notify.resend", _("重发失败的通知")
    # Dispute mediation (confidential: who opened a dispute without being its mediator or a party)
    MEDIATION_OPEN = "mediation.open", _("查看纠纷（非调解员）")
    MEDIATION_CONFLICT_OVERRIDE = "mediation.conflict_override", _("存在利害关系仍指派调解员")
    MEDIATION_TIE_CREATE = "mediation.tie.create", _("登记调解员利害关系")
    # Review chains, publicity, scorecards, party building
    REVIEW_TEMPLATE_SAVE = "review.template_save", _("保存审查链模板")
    REVIEW_START = "review.start", _("发起审查")
    REVIEW_DECIDE = "review.decide", _("审查决定")
    REVIEW_DELEGATE = "review.delegate", _("委托审查代理人")
    REVIEW_FILE_DOWNLOAD = "review.file.download", _("下载审查附件")
    PUBLICITY_OPEN = "publicity.open", _("发布公示")
    PUBLICITY_OBJECTION = "publicity.objection", _("收到公示异议")
    PUBLICITY_ANSWER = "publicity.answer", _("答复公示异议")
    PUBLICITY_FINALISE = "publicity.finalise", _("公示结束，结果生效")
    PUBLICITY_WITHDRAW = "publicity.withdraw", _("撤销公示")
    SCORECARD_RUBRIC_SAVE = "scorecard.rubric_save", _("保存评价细则")
    SCORECARD_ROUND_OPEN = "scorecard.round_open", _("发起评价")
    SCORECARD_CARD = "scorecard.card", _("评价打分")
    SCORECARD_EXPORT = "scorecard.export", _("导出评价结果")
    PARTY_ORG_SAVE = "party.org_save", _("保存党组织")
    PARTY_CHAMBER_SAVE = "party.chamber_save", _("保存商会党建档案")
    PARTY_ELECTION_SAVE = "party.election_save", _("保存换届")
    PARTY_CANDIDATE_SAVE = "party.candidate_save", _("保存候选人")
    PARTY_SELF_CHECK = "party.self_check", _("候选人自荐自查")
    PARTY_DEED_SAVE = "party.deed_save", _("登记党建工作")
    PARTY_EXPORT = "party.export", _("导出党建数据")
    PARTY_DOCUMENT_UPLOAD = "party.document.upload", _("上传候选人材料")
    PARTY_DOCUMENT_DOWNLOAD = "party.document.download", _("下载候选人材料")
    SCORECARD_EVIDENCE_UPLOAD = "scorecard.evidence.upload", _("上传评价佐证材料")
    SCORECARD_EVIDENCE_DOWNLOAD = "scorecard.evidence.download", _("下载评价佐证材料")
    # Activities and volunteer service
    ACTIVITY_EXPORT = "activity.export", _("导出活动")
    ACTIVITY_SIGNUP_EXPORT = "activity.signup_export", _("导出活动报名与出勤")
    VOLUNTEER_EXPORT = "volunteer.export", _("导出志愿者")
    VOLUNTEER_HOURS_EXPORT = "volunteer.hours_export", _("导出志愿服务时长（省级平台格式）")
    ACTIVITY_STATS_EXPORT = "activity.stats_export", _("导出活动统计")
    VOLUNTEER_CERTIFICATE_ISSUE = "volunteer.certificate.issue", _("出具志愿服务证明")
    VOLUNTEER_CERTIFICATE_VOID = "volunteer.certificate.void", _("作废志愿服务证明")


def action_label(code: str) -> str:
    """The label of a recorded action; a code no longer in the enum (an old row) shows as itself."""
    return str(AuditAction(code).label) if code in AuditAction.values else code
