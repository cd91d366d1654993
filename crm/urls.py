from django.urls import path

from crm import views

app_name = "crm"
urlpatterns = [
    path("customers/", views.CustomerListView.as_view(), name="customer_list"),
    path("customers/new/", views.CustomerFormView.as_view(), name="customer_create"),
    path("customers/import/", views.ImportView.as_view(), name="customer_import"),
    path("customers/duplicates/", views.DuplicatesView.as_view(), name="customer_duplicates"),
    path("customers/merge/", views.MergeView.as_view(), name="customer_merge"),
    path("customers/<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("customers/<int:pk>/edit/", views.CustomerFormView.as_view(), name="customer_edit"),
    path("vehicles/", views.VehicleListView.as_view(), name="vehicle_list"),
    path("vehicles/new/", views.VehicleFormView.as_view(), name="vehicle_create"),
    path("vehicles/<int:pk>/", views.VehicleDetailView.as_view(), name="vehicle_detail"),
    path("vehicles/<int:pk>/edit/", views.VehicleFormView.as_view(), name="vehicle_edit"),
    path(
        "vehicles/<int:pk>/transfer/", views.VehicleTransferView.as_view(), name="vehicle_transfer"
    ),
]
