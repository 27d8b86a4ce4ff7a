"""A swappable user model with a login name and no ``email`` field, as some projects have."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models


class ClerkManager(BaseUserManager):
    def create_superuser(self, login: str, password: str) -> Clerk:
        user = self.model(login=login, is_staff=True, is_superuser=True)
        user.set_password(password)
        user.save()
        return user


class Clerk(AbstractBaseUser, PermissionsMixin):
    login = models.CharField(max_length=64, unique=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    USERNAME_FIELD = "login"
    objects = ClerkManager()
