from __future__ import annotations

from urllib.parse import urlparse

from django import forms
from django.core.exceptions import ValidationError

from hackathon.text import single_line

from .direct_uploads import (
    UploadedKey,
    direct_upload_enabled,
    entry_storage,
    upload_check,
    uploads_delete_unattached,
)
from .models import ABSTRACT_MAX_CHARS, Entry, Team, validate_abstract
from .services import REQUIRED_TO_SUBMIT, SINGLE_LINE_FIELDS, EntryFiles, join_words, team_name_clean
from .uploads import MAX_UPLOAD_BYTES, too_large_message, validate_image, validate_slides


class TeamCreateForm(forms.Form):
    name = forms.CharField(
        label="Team name", max_length=100, error_messages={"required": "Please give your team a name."}
    )

    def clean_name(self) -> str:
        name = team_name_clean(self.cleaned_data["name"])
        if not name:
            raise ValidationError("Please give your team a name.")
        return name


def validate_https_url(value: str) -> None:
    if value and urlparse(value).scheme != "https":
        raise ValidationError("Please give an https:// link.")


class EntryForm(forms.ModelForm):
    """Text fields bind to the entry; files are checked here and stored by the service.

    The fields a submission needs (services.REQUIRED_TO_SUBMIT) are marked required, so
    the page says which they are and a refused submission marks each one missing. “Save
    draft” (action=draft) keeps whatever is filled in: the form lets them be empty then.
    """

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
    # Keys of files the browser uploaded straight to S3 (direct_uploads.py), sent instead of
    # the files. The template renders them empty: a refused form never keeps a key.
    slides_key = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    image_key = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Entry
        fields = ["title", "abstract", "authors", "video_url", "repository_url"]
        widgets = {"abstract": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "abstract": f"Up to {ABSTRACT_MAX_CHARS:,} characters. Gallery cards show its start.",
            "authors": "As they should appear publicly, e.g. “Arthur Conmy and Callum McDougall”.",
            "video_url": "YouTube, Vimeo or any https:// link to a recording of your presentation.",
            "repository_url": "GitHub, GitLab or any https:// link to your code.",
        }

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.accepted_keys: dict[str, UploadedKey] = {}
        self.initial["team_name"] = team.name
        self.fields["video_url"].validators.append(validate_https_url)
        self.fields["repository_url"].validators.append(validate_https_url)
        # The widgets show the saved file; clearing is not offered (replace it instead).
        for name in ("slides", "image"):
            self.fields[name].widget = forms.FileInput(attrs=self.fields[name].widget.attrs)
        self._add_tracks()
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            names = [m.user.display_name for m in team.memberships.select_related("user")]
            self.initial.setdefault("authors", "")
            self.initial["authors"] = self.initial["authors"] or join_words(names)
        self._mark_needed_to_submit()

    def _add_tracks(self) -> None:
        """A jam with tracks asks which one the entry enters (several where it allows);
        a jam without tracks gets the form as it always was."""
        jam = self.team.jam
        tracks = list(jam.tracks.all())
        if not tracks:
            return
        invalid = "That is not one of this jam's tracks: pick one of those listed."
        if jam.multiple_tracks_allowed:
            field = forms.ModelMultipleChoiceField(
                queryset=jam.tracks.all(),
                widget=forms.CheckboxSelectMultiple,
                help_text="Pick every track your entry enters.",
                error_messages={"invalid_choice": invalid, "invalid_pk_value": invalid},
            )
        else:
            field = forms.ModelChoiceField(
                queryset=jam.tracks.all(),
                widget=forms.RadioSelect,
                empty_label=None,
                help_text="Pick the track your entry enters.",
                error_messages={"invalid_choice": invalid},
            )
        field.label = "Track"
        field.required = True
        field.error_messages["required"] = "To submit, pick the track your entry enters."
        self.fields["tracks"] = field
        if self.instance.pk:
            chosen = list(self.instance.tracks.all())
            self.initial["tracks"] = chosen if jam.multiple_tracks_allowed else (chosen[0] if chosen else None)

    @property
    def is_draft(self) -> bool:
        # A submitted entry stays submitted (the service submits every save of it).
        return self.is_bound and self.data.get("action") != "submit" and not self.instance.is_submitted

    def _mark_needed_to_submit(self) -> None:
        for name, what in REQUIRED_TO_SUBMIT.items():
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = f"To submit, add {what}."
        # Saved slides, or slides uploaded straight to S3 (their key comes instead), will do.
        if self.instance.slides or (self.data.get(self.add_prefix("slides_key")) or "").strip():
            self.fields["slides"].required = False

    def full_clean(self) -> None:
        if not self.is_draft:
            super().full_clean()
            return
        names = [*REQUIRED_TO_SUBMIT, *(["tracks"] if "tracks" in self.fields else [])]
        needed = [field for name in names if (field := self.fields[name]).required]
        for field in needed:
            field.required = False
        try:
            super().full_clean()
        finally:
            # Still marked on the page that comes back: they are what “Submit” needs.
            for field in needed:
                field.required = True

    def _single_line(self, field: str) -> str:
        return single_line(self.cleaned_data.get(field) or "", label=SINGLE_LINE_FIELDS[field])

    def clean_title(self) -> str:
        return self._single_line("title")

    def clean_authors(self) -> str:
        return self._single_line("authors")

    def clean_team_name(self) -> str:
        return self._single_line("team_name")

    def clean_abstract(self) -> str:
        abstract = self.cleaned_data.get("abstract") or ""
        validate_abstract(abstract)
        return abstract

    def clean_slides(self):
        file = self.cleaned_data.get("slides")
        return (file, validate_slides(file)) if file else None

    def clean_image(self):
        file = self.cleaned_data.get("image")
        return (file, validate_image(file)) if file else None

    def clean(self):
        cleaned = super().clean()
        missing = [what for name, what in REQUIRED_TO_SUBMIT.items() if self.has_error(name, code="required")]
        if missing:
            self.add_error(None, f"To submit, your entry needs {join_words(missing)}. Save a draft to finish later.")
        seen: set[str] = set()
        for field in ("slides", "image"):
            key = (cleaned.get(f"{field}_key") or "").strip()
            if not key:
                continue
            if cleaned.get(field) or field in self.errors:
                self.add_error(field, "Send either the file or the key of its direct upload, not both.")
            elif key in seen:
                self.add_error(field, "The same upload can't be both the slides and the project image.")
            elif not direct_upload_enabled():
                self.add_error(field, "Direct upload is off on this site: attach the file to the form instead.")
            else:
                self._check_key(field, key)
            seen.add(key)
        return cleaned

    def _check_key(self, field: str, key: str) -> None:
        try:
            self.accepted_keys[field] = upload_check(
                storage=entry_storage(), key=key, team_id=self.team.pk, field=field
            )
        except ValidationError as error:
            self.add_error(field, error)

    def discard_uploads(self) -> None:
        """Delete the accepted direct uploads of a form that was refused for another reason:
        its page comes back without them, and the person picks the files again."""
        keys = [uploaded.key for uploaded in self.accepted_keys.values()]
        if keys:
            uploads_delete_unattached(storage=entry_storage(), keys=keys)
        self.accepted_keys = {}

    def clean_tracks(self) -> list:
        chosen = self.cleaned_data.get("tracks")
        if chosen is None:
            return []
        return list(chosen) if self.team.jam.multiple_tracks_allowed else [chosen]

    def entry_data(self) -> dict:
        data = {k: self.cleaned_data.get(k, "") for k in (*self.Meta.fields, "team_name")}
        if "tracks" in self.fields:
            data["tracks"] = self.cleaned_data.get("tracks") or []
        return data

    def entry_files(self) -> EntryFiles:
        return EntryFiles(
            slides=self.cleaned_data.get("slides") or self.accepted_keys.get("slides"),
            image=self.cleaned_data.get("image") or self.accepted_keys.get("image"),
        )


class UploadPresignForm(forms.Form):
    """What the browser says about a file before uploading it straight to S3."""

    field = forms.ChoiceField(choices=[("slides", "slides"), ("image", "project image")])
    name = forms.CharField(max_length=255)
    size = forms.IntegerField(min_value=1)

    def clean(self):
        cleaned = super().clean()
        size, field = cleaned.get("size"), cleaned.get("field")
        if size and field and size > MAX_UPLOAD_BYTES:
            label = "Slides" if field == "slides" else "The project image"
            raise ValidationError(too_large_message(label=label, size=size), code="file_too_large")
        return cleaned
