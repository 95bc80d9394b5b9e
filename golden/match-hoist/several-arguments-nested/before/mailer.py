class Mailer:
    async def deliver(self, recipient, subject, body, *, priority=0):
        ...


async def send_report(mailer: Mailer, report, admins, owner):
    if report.failed:
        if report.retryable:
            await mailer.deliver(owner, "Retrying", report.summary, priority=1)
        else:
            await mailer.deliver(admins, "Failed", report.summary, priority=2)
    else:
        await mailer.deliver(owner, "Done", report.summary, priority=1)
