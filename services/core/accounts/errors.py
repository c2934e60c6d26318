"""Refusals of the account flows, each with its own status and code so a client (and a person) knows what to do."""

from __future__ import annotations

from services.core.platform.exceptions import DomainError, Forbidden, Invalid


class LinkNotFound(DomainError):
    status_code = 404
    code = "link_not_found"

    def __init__(self) -> None:
        super().__init__("this link is not valid: copy the whole link from the mail, or ask for a new one",
                         "このリンクは無効です。メールのリンクをそのまま開くか、新しいリンクを依頼してください")


class LinkExpired(DomainError):
    status_code = 410
    code = "link_expired"

    def __init__(self) -> None:
        super().__init__("this link has expired: ask for a new one",
                         "このリンクは有効期限が切れています。新しいリンクを依頼してください")


class LinkUsed(DomainError):
    status_code = 410
    code = "link_used"

    def __init__(self) -> None:
        super().__init__("this link has already been used: sign in, or ask for a new one",
                         "このリンクは使用済みです。ログインするか、新しいリンクを依頼してください")


class OtherAddress(Forbidden):
    code = "link_other_address"

    def __init__(self) -> None:
        super().__init__("this link was sent to another e-mail address: open the link sent to yours",
                         "このリンクは別のメールアドレス宛てに送られたものです。ご自身宛てのリンクを開いてください")


class CompanyDisabled(Forbidden):
    code = "company_disabled"

    def __init__(self) -> None:
        super().__init__("this company's account is disabled: contact the operator of tokku",
                         "この企業のアカウントは無効になっています。運用管理者にお問い合わせください")


class CorporateNumberTaken(DomainError):
    status_code = 409
    code = "corporate_number_taken"

    def __init__(self) -> None:
        super().__init__(
            "this corporate number is already registered: ask your company's administrator in tokku to invite "
            "you (for privacy we do not say who that is; your company's staff who file applications will know)",
            "この法人番号は登録済みです。貴社のtokku管理者に招待を依頼してください"
            "（個人情報保護のため管理者はお知らせできません。申請を担当している社内の方にご確認ください）",
            errors=[{"field": "corporate_number", "message": "already registered", "message_ja": "登録済みです"}])


class AddressTaken(DomainError):
    status_code = 409
    code = "email_taken"

    def __init__(self) -> None:
        super().__init__("this e-mail address already has an account: sign in, or reset its password",
                         "このメールアドレスのアカウントは既にあります。ログインするか、パスワードを再設定してください",
                         errors=[{"field": "email", "message": "already has an account",
                                  "message_ja": "既にアカウントがあります"}])


class LastAdministrator(DomainError):
    status_code = 409
    code = "last_admin"

    def __init__(self) -> None:
        super().__init__("you are the company's last administrator: hand the role to a colleague first",
                         "貴社の最後の管理者です。先に管理者の役割を他の方に引き継いでください")


class NotConfirmed(Invalid):
    code = "not_confirmed"

    def __init__(self) -> None:
        super().__init__("confirm by typing the user name of the account concerned",
                         "確認のため、対象アカウントのユーザー名を入力してください",
                         errors=[{"field": "confirm_username", "message": "does not match the user name",
                                  "message_ja": "ユーザー名と一致しません"}])


class SignInRefused(DomainError):
    """A sign-in that did not pass: wrong password, wrong or replayed code, missing second factor."""

    status_code = 401

    def __init__(self, code: str, message: str, message_ja: str) -> None:
        super().__init__(message, message_ja)
        self.code = code


def bad_credentials() -> SignInRefused:
    return SignInRefused("bad_credentials", "wrong username or password", "ユーザー名またはパスワードが正しくありません")


def second_factor_missing() -> SignInRefused:
    return SignInRefused("second_factor_required", "this account signs in with a one-time code: send it as `otp`",
                         "このアカウントは確認コード（二段階認証）が必要です")


def second_factor_wrong() -> SignInRefused:
    return SignInRefused("second_factor_wrong", "the one-time code is wrong, expired or already used",
                         "確認コードが正しくないか、有効期限切れか、使用済みです")


def second_factor_not_set() -> SignInRefused:
    return SignInRefused("second_factor_not_set",
                         "officials sign in with a second factor, and this account has none: ask the operator "
                         "for a new invitation", "職員アカウントは二段階認証が必要ですが、未設定です。運用管理者に"
                         "再招待を依頼してください")
