from odoo import api, models
from odoo.tools import SQL

# Context of the partners and events the sync writes: FOCUS is the source of
# truth, so no chatter message or follower for each of thousands of records.
QUIET_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


class OpticalFocusRecordCustomers(models.Model):
    """Mapped FOCUS customers → partners: written when bound, else linked to
    the same person already in the shop, else created."""

    _inherit = "optical.focus.record"

    @api.model
    def _bring_customers(self, items):
        """Bring mapped customers into Odoo: ``items`` is ``[(key, company id,
        partner already bound or empty, mapped)]``; a bound partner is
        written, else one already in the shop is linked and written, else one
        is created (once for two customers of the batch that are the same
        person). Returns ``{key: partner}``. A bad province is dropped with a
        warning, added to the mapped values."""
        partner_values = self._partner_values(items)
        # The contact rules (consent changed…) are applied once for the batch, below.
        Partner = self.env["res.partner"].with_context(**QUIET_CONTEXT, optical_defer_rules=True)
        partners, unbound = _bound_and_unbound(items)
        # Bound partners are written first: the matching below sees their new values.
        written = _write_partners(Partner, [(partner, partner_values[key]) for key, partner in partners.items()])
        matched = dict(self._match_partners({key: (company_id, partner_values[key]) for key, company_id in unbound}))
        written |= _write_partners(Partner, [(partner, _linked_values(partner_values[key]))
                                             for key, partner in matched.items()])
        partners.update(matched)
        results = {key: result for key, _company_id, _partner, result in items}
        to_create, create_keys = _plan_creations(
            [(key, company_id, dict(partner_values[key], **_sanitized_phone(results[key], partner_values[key])))
             for key, company_id in unbound if key not in matched])
        created = Partner._create_set_based(to_create)
        partners.update({key: created[index] for key, index in create_keys})
        self.env["optical.crm.communication"]._apply_rules_for_partners(written)
        return partners

    @api.model
    def _partner_values(self, items):
        """The partner values of each mapped customer of ``items``, by key:
        the province as a state, the sex as a title, Italy as country."""
        italy = self.env.ref("base.it")
        provinces = list({result["province"] for _k, _c, _p, result in items if result["province"]})
        states = {state.code: state.id for state in self.env["res.country.state"].search(
            [("country_id", "=", italy.id), ("code", "in", provinces)])} if provinces else {}
        titles = {
            "M": self.env.ref("base.res_partner_title_mister", raise_if_not_found=False),
            "F": self.env.ref("base.res_partner_title_madam", raise_if_not_found=False),
        }
        return {key: _partner_values(result, italy.id, states, titles) for key, _company_id, _partner, result in items}

    def _match_partners(self, values_by_key):
        """Customers already in Odoo: same fiscal code, else same mobile or
        e-mail with the same name (and no other fiscal code), in the shop's
        company (``values_by_key``: ``{key: (company id, partner values)}``).
        One query per shop. Yields ``(key, partner)``."""
        by_company = {}
        for key, (company_id, values) in values_by_key.items():
            by_company.setdefault(company_id, []).append((key, values))
        for company_id, items in by_company.items():
            index = self._partner_index(company_id, [values for _key, values in items])
            for item_key, values in items:
                partner_id = _find_partner(index, values)
                if partner_id:
                    yield item_key, self.env["res.partner"].browse(partner_id)

    @api.model
    def _partner_index(self, company_id, values_list):
        """The live partners of ``company_id`` sharing a fiscal code, mobile
        or e-mail with ``values_list``, indexed for :func:`_find_partner`."""
        probes = [
            SQL("""SELECT x.id, x.optical_fiscal_code, x.mobile, x.email, x.name FROM unnest(%s::varchar[]) AS v(value)
                   CROSS JOIN LATERAL (
                         SELECT id, company_id, active, optical_fiscal_code, mobile, lower(email) AS email,
                                lower(name) AS name
                           FROM res_partner WHERE %s = v.value OFFSET 0) x
                  WHERE x.company_id = %s AND x.active""",
                values, expression, company_id)
            for values, expression in (
                (_present(values_list, "optical_fiscal_code"), SQL("optical_fiscal_code")),
                (_present(values_list, "mobile"), SQL("mobile")),
                (_present(values_list, "email"), SQL("lower(email)")))
            if values]
        if not probes:
            return {}
        # One probe of an index per value (LATERAL): the cost of a batch
        # does not grow with the number of customers already in Odoo.
        # (OFFSET 0 keeps each probe a parameterised index scan, on the
        # value's index: with the shop inside, PostgreSQL took the shop's
        # index for a shop its statistics did not know yet, a new one or one
        # in its first load, and read all its customers for every value.)
        self.env["res.partner"].flush_model(["optical_fiscal_code", "mobile", "email", "name", "company_id"])
        self.env.cr.execute(SQL("%s ORDER BY 1", SQL(" UNION ").join(probes)))
        index = {}
        for partner_id, fiscal_code, mobile, email, name in self.env.cr.fetchall():
            for key, value in ((("cf", fiscal_code), partner_id), (("mobile", mobile, name), (partner_id, fiscal_code)),
                               (("email", email, name), (partner_id, fiscal_code))):
                if key[1]:
                    index.setdefault(key, value)
        return index


def _bound_and_unbound(items):
    """The partners already bound to customers of ``items`` by key, and the
    (key, company id) of the others."""
    bound = {key: partner for key, _company_id, partner, _result in items if partner}
    return bound, [(key, company_id) for key, company_id, _partner, _result in items if key not in bound]


def _linked_values(values):
    """What a customer linked to a partner already in Odoo writes on it:
    the values FOCUS has (and every consent, given or withdrawn)."""
    return {name: value for name, value in values.items() if value or name.startswith("optical_consent_")}


def _write_partners(Partner, writes):
    """Write ``[(partner, values)]`` in ``Partner``'s environment; returns the partners written."""
    written = Partner
    for partner, values in writes:
        partner = partner.with_env(Partner.env)
        partner.write(values)
        written |= partner
    return written


def _present(values_list, name):
    return [values[name] for values in values_list if values.get(name)]


def _find_partner(index, values):
    """The partner id of :meth:`_match_partners` for ``values`` in ``index``, or None."""
    partner_id = index.get(("cf", values.get("optical_fiscal_code")))
    if partner_id:
        return partner_id
    name = values["name"].lower()
    for key in (("mobile", values.get("mobile"), name), ("email", values.get("email"), name)):
        candidate = index.get(key)
        if candidate and (not candidate[1] or not values.get("optical_fiscal_code")):
            return candidate[0]
    return None


def _partner_values(result, country_id, states, titles):
    """The partner values of one mapped customer (``result``); an unknown
    province is dropped with a warning added to ``result``."""
    if result["province"] and result["province"] not in states:
        result["warnings"].append({"field": "provincia", "reason": "%r is not an Italian province code: "
                                   "dropped" % result["province"]})
        result["province"] = None
    values = dict(result["partner"], country_id=country_id)
    if result["province"] or "provincia" not in {w["field"] for w in result["warnings"]}:
        values["state_id"] = states.get(result["province"], False)
    if result["sex"] and titles[result["sex"]]:
        values["title"] = titles[result["sex"]].id
    return values


def _sanitized_phone(result, values):
    """The sanitized phone Odoo computes for a new customer (the first of
    mobile, landline that is a valid number), from the mapper, which has
    validated each number already: ``{"phone_sanitized": E.164}``, or ``{}``
    for Odoo to compute it. A number kept as written (with a warning) is not
    valid: Odoo's computation skips it too."""
    as_written = {warning["field"] for warning in result["warnings"]}
    for name, field in (("mobile", "cellulare"), ("phone", "telefono")):
        if values.get(name) and field not in as_written:
            return {"phone_sanitized": values[name]} if values[name].startswith("+") else {}
    return {}


def _plan_creations(items):
    """The partners to create for ``items`` (``[(key, company id, values)]``):
    two new customers of the batch that are the same person make one.
    Returns the values to create and ``[(key, index in them)]``."""
    to_create, create_keys, create_index = [], [], {}
    for key, company_id, values in items:
        keys = [(company_id, *identity) for identity in _identity_keys(values)]
        index = next((create_index[identity] for identity in keys if identity in create_index
                      and _same_person(to_create[create_index[identity]], values)), None)
        if index is None:
            index = len(to_create)
            # The salesperson Odoo would compute (a contact's comes from its parent company: a
            # FOCUS customer has none), given: computing it before the INSERT costs Odoo a
            # draft record per customer.
            to_create.append(dict(values, company_id=company_id, user_id=False))
        for identity in keys:
            create_index.setdefault(identity, index)
        create_keys.append((key, index))
    return to_create, create_keys


def _same_person(known, values):
    """Two customers that share a key are one unless their fiscal codes differ."""
    return not (known.get("optical_fiscal_code") and values.get("optical_fiscal_code")
                and known["optical_fiscal_code"] != values["optical_fiscal_code"])


def _identity_keys(values):
    name = values["name"].lower()
    keys = []
    if values.get("optical_fiscal_code"):
        keys.append(("cf", values["optical_fiscal_code"]))
    if values.get("mobile"):
        keys.append(("mobile", values["mobile"], name))
    if values.get("email"):
        keys.append(("email", values["email"], name))
    return keys
