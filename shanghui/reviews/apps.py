from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "shanghui.reviews"
    label = "reviews"
    verbose_name = "审查链"
