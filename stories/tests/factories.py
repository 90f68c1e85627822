import io

import factory
from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw

from stories.models import KidProfile


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"parent{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery")


class KidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KidProfile

    parent = factory.SubFactory(UserFactory)
    name = factory.Iterator(["Mia", "Leo", "Ava", "Noah", "Zoe"])
    age = 5
    interests = factory.LazyFunction(lambda: ["dinosaurs", "trains"])


def drawing_bytes(fmt: str = "PNG", size: tuple[int, int] = (400, 300)) -> bytes:
    """A small child-like drawing: sky, grass, a sun and a red house."""
    image = Image.new("RGB", size, "white")
    pen = ImageDraw.Draw(image)
    w, h = size
    pen.rectangle([0, 0, w, h // 3], fill=(90, 160, 230))
    pen.rectangle([0, h * 2 // 3, w, h], fill=(70, 170, 70))
    sun = max(2, w // 6)
    pen.ellipse([w - sun - 4, 2, w - 4, 2 + sun], fill=(250, 210, 40))
    pen.rectangle([w // 3, h // 2, w // 2, h * 3 // 4], fill=(210, 50, 50))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()
