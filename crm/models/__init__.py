"""Models of crm, one module per area:

* :mod:`crm.models.customers` — the customer master: :class:`Customer`, :class:`Vehicle`,
  :class:`Ownership`, and :class:`CustomerEvent` (a delivery or a service visit that earns a
  satisfaction call);
* :mod:`crm.models.followups` — the N+3..N+5 calls: :class:`FollowUpSettings` (the dealership's
  rules), :class:`FollowUp` (one per event), :class:`CallAttempt`, :class:`ContactCheck` (an
  unreachable customer's contact details, verified by the consultant who sold to them);
* :mod:`crm.models.surveys` — versioned questionnaires (SSI / CSI): :class:`Questionnaire`,
  :class:`Question`, :class:`SurveyResponse`, :class:`SurveyAnswer`;
* :mod:`crm.models.complaints` — :class:`Complaint` (投诉) and its log :class:`ComplaintEntry`;
* :mod:`crm.models.outreach` — :class:`RetentionList` / :class:`RetentionEntry`,
  :class:`ServiceReminder` (车务提醒), :class:`Membership` (owner club), :class:`SmsCampaign` /
  :class:`SmsDelivery`;
* :mod:`crm.models.privacy` — :class:`PhoneReveal`, the log of every full phone number shown;
* :mod:`crm.models.intelligence` — market intelligence for the OEM's monthly submissions:
  :class:`CompetitorObservation` (竞争对手情报) and :class:`AdvertisingSpend` (广告投放);
* :mod:`crm.models.datachecks` — :class:`DataCheck`, the day-N+1 check of a customer's details;
* :mod:`crm.models.targets` — :class:`SatisfactionTarget` (SSI / CSI per month) and its
  :class:`SatisfactionAction` items."""

from crm.models.complaints import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEntry,
    ComplaintSeverity,
    ComplaintState,
)
from crm.models.customers import (
    ConsentMethod,
    Customer,
    CustomerEvent,
    CustomerKind,
    EventKind,
    Ownership,
    Source,
    Vehicle,
)
from crm.models.datachecks import DataCheck, DataCheckState
from crm.models.followups import (
    AttemptOutcome,
    CallAttempt,
    ContactCheck,
    ContactCheckState,
    FollowUp,
    FollowUpSettings,
    FollowUpStatus,
)
from crm.models.intelligence import AdChannel, AdvertisingSpend, CompetitorObservation
from crm.models.letters import LetterState, ThankYouLetter
from crm.models.marketing import (
    AdvertisingPlan,
    AdvertisingPlanLine,
    CompetitorAd,
    EventEvidence,
    EventInvitation,
    EventState,
    EvidenceKind,
    InvitationChannel,
    InvitationReply,
    MarketingEvent,
    MarketingEventKind,
    PlanState,
)
from crm.models.outreach import (
    Membership,
    ReminderKind,
    ReminderState,
    RetentionEntry,
    RetentionList,
    ServiceReminder,
    SmsCampaign,
    SmsCampaignState,
    SmsDelivery,
    SmsDeliveryState,
)
from crm.models.privacy import PhoneReveal
from crm.models.service_desk import (
    Enquiry,
    EnquiryChannel,
    EnquiryTopic,
    ImprovementProposal,
    ProposalSource,
    ProposalState,
)
from crm.models.surveys import (
    Question,
    QuestionKind,
    Questionnaire,
    SurveyAnswer,
    SurveyChannel,
    SurveyResponse,
)
from crm.models.targets import ActionState, SatisfactionAction, SatisfactionTarget
from crm.models.tiers import CustomerStanding, CustomerTier

__all__ = [
    "ActionState",
    "AdChannel",
    "AdvertisingPlan",
    "AdvertisingPlanLine",
    "AdvertisingSpend",
    "AttemptOutcome",
    "CallAttempt",
    "CompetitorAd",
    "CompetitorObservation",
    "Complaint",
    "ComplaintCategory",
    "ComplaintChannel",
    "ComplaintEntry",
    "ComplaintSeverity",
    "ComplaintState",
    "ConsentMethod",
    "ContactCheck",
    "ContactCheckState",
    "Customer",
    "CustomerEvent",
    "CustomerKind",
    "CustomerStanding",
    "CustomerTier",
    "DataCheck",
    "DataCheckState",
    "Enquiry",
    "EnquiryChannel",
    "EnquiryTopic",
    "EventEvidence",
    "EventInvitation",
    "EventKind",
    "EventState",
    "EvidenceKind",
    "FollowUp",
    "FollowUpSettings",
    "FollowUpStatus",
    "ImprovementProposal",
    "InvitationChannel",
    "InvitationReply",
    "LetterState",
    "MarketingEvent",
    "MarketingEventKind",
    "Membership",
    "Ownership",
    "PhoneReveal",
    "PlanState",
    "ProposalSource",
    "ProposalState",
    "Question",
    "QuestionKind",
    "Questionnaire",
    "ReminderKind",
    "ReminderState",
    "RetentionEntry",
    "RetentionList",
    "SatisfactionAction",
    "SatisfactionTarget",
    "ServiceReminder",
    "SmsCampaign",
    "SmsCampaignState",
    "SmsDelivery",
    "SmsDeliveryState",
    "Source",
    "SurveyAnswer",
    "SurveyChannel",
    "SurveyResponse",
    "ThankYouLetter",
    "Vehicle",
]
