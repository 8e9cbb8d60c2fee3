"""What every model shares: strict models, the two languages, text in both."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["en", "fr"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalizedText(Model):
    en: str = Field(min_length=1, max_length=200)
    fr: str = Field(min_length=1, max_length=200)

    def in_(self, language: Language) -> str:
        return self.fr if language == "fr" else self.en
