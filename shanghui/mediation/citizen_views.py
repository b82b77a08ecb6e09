def _todo(*a, **k):
    raise NotImplementedError


dispute_list = dispute_new = dispute_detail = act = upload = dispute_file = recuse = agreement_pdf = (
    confirmation_pdf
) = _todo
