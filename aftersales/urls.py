app_name = "aftersales"
urlpatterns: list = []
