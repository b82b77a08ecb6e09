def _todo(*a, **k):
    raise NotImplementedError


dispute_list = dispute_new = stats = dispute_detail = act = assign = declare = recuse = schedule = minutes = (
    upload
) = dispute_file = signed_scan = agreement_pdf = confirmation_pdf = _todo
