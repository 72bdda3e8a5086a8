from __future__ import annotations

from urllib.parse import urlparse

from django import forms
from django.core.exceptions import ValidationError

from .models import Entry, Team
from .services import EntryFiles, join_words
from .uploads import MAX_UPLOAD_BYTES, validate_image, validate_slides


class TeamCreateForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Please give your team a name.")
        return name


def validate_https_url(value: str) -> None:
    if value and urlparse(value).scheme != "https":
        raise ValidationError("Please give an https:// link.")


class EntryForm(forms.ModelForm):
    """Text fields bind to the entry; files are checked here and stored by the service."""

    team_name = forms.CharField(label="Team name", max_length=100, required=False)
    slides = forms.FileField(
        required=False,
        help_text="PDF, PowerPoint, Keynote or OpenDocument, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.pptx,.key,.odp", "data-max-bytes": MAX_UPLOAD_BYTES}),
    )
    image = forms.FileField(
        label="Project image",
        required=False,
        help_text="JPEG, PNG, WebP or GIF, up to 10 MB. Shown on your gallery card.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif", "data-max-bytes": MAX_UPLOAD_BYTES}
        ),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Entry
        fields = ["title", "abstract", "authors", "video_url", "repository_url"]
        widgets = {"abstract": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "authors": "As they should appear publicly, e.g. “Arthur Conmy and Callum McDougall”.",
            "video_url": "YouTube, Vimeo or any https:// link to a recording of your presentation.",
            "repository_url": "GitHub, GitLab or any https:// link to your code.",
        }

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.initial["team_name"] = team.name
        self.fields["video_url"].validators.append(validate_https_url)
        self.fields["repository_url"].validators.append(validate_https_url)
        # The widgets show the saved file; clearing is not offered (replace it instead).
        for name in ("slides", "image"):
            self.fields[name].widget = forms.FileInput(attrs=self.fields[name].widget.attrs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            names = [m.user.display_name for m in team.memberships.select_related("user")]
            self.initial.setdefault("authors", "")
            self.initial["authors"] = self.initial["authors"] or join_words(names)

    def clean_slides(self):
        file = self.cleaned_data.get("slides")
        return (file, validate_slides(file)) if file else None

    def clean_image(self):
        file = self.cleaned_data.get("image")
        return (file, validate_image(file)) if file else None

    def entry_data(self) -> dict:
        return {k: self.cleaned_data.get(k, "") for k in (*self.Meta.fields, "team_name")}

    def entry_files(self) -> EntryFiles:
        return EntryFiles(slides=self.cleaned_data.get("slides"), image=self.cleaned_data.get("image"))
