from django.urls import path
from django.views.generic import RedirectView

from org import views
from org.approvals import views as approvals
from org.office.views import urlpatterns as office

app_name = "org"
urlpatterns = [
    path("chart/", views.ChartView.as_view(), name="chart"),
    path("me/", views.ProfileView.as_view(), name="profile"),
    path("departments/new/", views.DepartmentFormView.as_view(), name="department_create"),
    path("departments/<int:pk>/edit/", views.DepartmentFormView.as_view(), name="department_edit"),
    path(
        "departments/<int:pk>/delete/",
        views.DepartmentDeleteView.as_view(),
        name="department_delete",
    ),
    path("positions/new/", views.PositionFormView.as_view(), name="position_create"),
    path("positions/<int:pk>/", views.PositionDetailView.as_view(), name="position_detail"),
    path("positions/<int:pk>/edit/", views.PositionFormView.as_view(), name="position_edit"),
    path("positions/<int:pk>/delete/", views.PositionDeleteView.as_view(), name="position_delete"),
    path("staff/", views.StaffListView.as_view(), name="staff_list"),
    path("staff/new/", views.StaffFormView.as_view(), name="staff_create"),
    path("staff/<int:pk>/", views.StaffDetailView.as_view(), name="staff_detail"),
    path("staff/<int:pk>/edit/", views.StaffFormView.as_view(), name="staff_edit"),
    path("staff/<int:pk>/end/", views.StaffEndView.as_view(), name="staff_end"),
    path("staff/<int:pk>/share/", views.StaffShareView.as_view(), name="staff_share"),
    path("capabilities/", views.CapabilityMatrixView.as_view(), name="capabilities"),
    path("letterhead/", views.LetterheadView.as_view(), name="letterhead"),
    path("approvals/", approvals.InboxView.as_view(), name="approval_inbox"),
    path("approvals/requests/", approvals.RequestListView.as_view(), name="approval_list"),
    path("approvals/<int:pk>/", approvals.RequestDetailView.as_view(), name="approval_detail"),
    path("approvals/<int:pk>/decide/", approvals.DecideView.as_view(), name="approval_decide"),
    path("approvals/<int:pk>/submit/", approvals.SubmitView.as_view(), name="approval_submit"),
    path(
        "approvals/<int:pk>/withdraw/", approvals.WithdrawView.as_view(), name="approval_withdraw"
    ),
    path("approvals/files/<int:pk>/", approvals.AttachmentDetailView.as_view(), name="attachment"),
    path("approvals/chains/", approvals.ChainListView.as_view(), name="approval_chains"),
    path("approvals/chains/<int:pk>/", approvals.ChainEditView.as_view(), name="approval_chain"),
    path("approvals/delegations/", approvals.DelegationListView.as_view(), name="delegation_list"),
    path(
        "approvals/delegations/<int:pk>/delete/",
        approvals.DelegationDeleteView.as_view(),
        name="delegation_delete",
    ),
    # the audit log is the platform's now (every module records into it); old links still work
    path("audit/", RedirectView.as_view(pattern_name="platform:audit_list"), name="audit_list"),
    path(
        "audit/<int:pk>/",
        RedirectView.as_view(pattern_name="platform:audit_detail"),
        name="audit_detail",
    ),
    # the admin office: notices, meetings, training, the rota
    *office,
]
