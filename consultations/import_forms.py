"""The upload form of the import page (取込)."""

from django import forms

from consultations.importing.reading import ENCODINGS


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="取り込むファイル（.xlsx または .csv）",
        error_messages={
            "required": "取り込むファイルを選んでください。",
            "empty": "選んだファイルが空です。",
        },
    )
    encoding = forms.ChoiceField(
        label="CSVの文字コード",
        choices=[("", "自動判定"), *ENCODINGS.items()],
        required=False,
        help_text="ふつうは「自動判定」のままで読めます。xlsx では使いません。",
    )
