from django.urls import path

from dealership.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("bell/", views.BellView.as_view(), name="bell"),
    path("read-all/", views.NotificationReadAllView.as_view(), name="read_all"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("<int:pk>/", views.NotificationDetailView.as_view(), name="detail"),
    path("<int:pk>/read/", views.NotificationReadView.as_view(), name="read"),
    path("robots/", views.RobotListView.as_view(), name="robot_list"),
    path("robots/new/", views.RobotFormView.as_view(), name="robot_create"),
    path("robots/<int:pk>/", views.RobotFormView.as_view(), name="robot_edit"),
    path("robots/<int:pk>/delete/", views.RobotDeleteView.as_view(), name="robot_delete"),
    path("robots/<int:pk>/test/", views.RobotTestView.as_view(), name="robot_test"),
    path("deliveries/", views.DeliveryListView.as_view(), name="delivery_list"),
    path("deliveries/<int:pk>/", views.DeliveryDetailView.as_view(), name="delivery_detail"),
    path("deliveries/<int:pk>/retry/", views.DeliveryRetryView.as_view(), name="delivery_retry"),
]
