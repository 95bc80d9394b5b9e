from unittest import mock

import mailer


class Smtp:
    async def send(self, to, body):
        return to


def install():
    mailer.transport = Smtp()


def test_welcome():
    with mock.patch("mailer.audit"):
        pass
