"""The access matrix: what a shop's assistant and a shop's owner may do, through
the door they use (JSON-RPC ``/web/dataset/call_kw`` of a logged-in browser
session), with their own shop's records and with another shop's.

Each module lists its models in ``MATRIX``: how to make a record in a shop,
a harmless write, how to create one, and what each role may do with its own
shop's records (``r`` read, ``w`` write, ``c`` create, ``d`` delete). For
another shop's records nobody may do anything, and nobody may move a record
into a shop they do not belong to. Every model a module defines must be in its
matrix: a new model without its line fails the test.

The expectations are written here, not read from the ACLs or rules: removing a
rule or an ACL line makes the matrix fail."""
import datetime
import json

from odoo.tests import HttpCase, new_test_user

from .common import OpticalCrmCase

D = datetime.date
ROLES = ("assistant", "owner")


class ModelSpec:
    """One line of the matrix.

    ``make(case, shop)``: a record of ``shop``, made by the product (superuser).
    ``write``: values a user with write access may write on it.
    ``create(case, shop)``: the values a user would send to create one in
    ``shop`` (None: nobody creates it over RPC, the product does).
    ``rights``: per role, what that role may do with its own shop's records.
    ``shop_field``: the field naming the record's shop, when it is writable
    (None when the shop follows another record or is computed).
    ``model``: the model, when the matrix's key is a label (a second line for
    one model, e.g. customers without a company)."""

    def __init__(self, make, rights, write=None, create=None, shop_field="company_id", model=None):
        self.make, self.rights, self.write, self.create, self.shop_field = make, rights, write, create, shop_field
        self.model = model


class AccessMatrixCase(OpticalCrmCase, HttpCase):
    """Subclasses set ``MODULE`` and ``MATRIX`` ({model name: ModelSpec})."""

    # The walk is written once here: Odoo's loader collects inherited tests only when told.
    allow_inherited_tests_method = True
    MODULE = None
    MATRIX = {}
    # Models of the module deliberately outside the matrix: abstract, transient or SQL views
    # covered elsewhere. Each with its reason.
    EXEMPT = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Owners of one shop only, not administrators: the least-privileged owner.
        cls.owner_a = new_test_user(
            cls.env, "matrix_owner_a", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], password="matrix_owner_a")
        cls.staff_a.password = "matrix_staff_a"
        cls.users = {"assistant": cls.staff_a, "owner": cls.owner_a}
        cls.passwords = {"assistant": "matrix_staff_a", "owner": "matrix_owner_a"}

    # ------------------------------------------------------------------
    # JSON-RPC as the browser sends it
    # ------------------------------------------------------------------

    def login(self, role):
        self.authenticate(self.users[role].login, self.passwords[role])

    def call(self, model, method, args, kwargs=None):
        """(result, error message): the JSON-RPC answer of ``/web/dataset/call_kw``."""
        response = self.url_open("/web/dataset/call_kw/%s/%s" % (model, method), data=json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": model, "method": method, "args": args,
                       "kwargs": dict({"context": {"allowed_company_ids": [self.shop_a.id]}}, **(kwargs or {}))},
        }), headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        if "error" in answer:
            return None, answer["error"]["data"].get("message") or answer["error"].get("message")
        return answer["result"], None

    def assertRefused(self, model, method, args, kwargs=None, what=""):
        result, error = self.call(model, method, args, kwargs)
        self.assertTrue(error, "%s: %s %s was accepted (%r)" % (model, method, what, result))

    def assertAllowed(self, model, method, args, kwargs=None, what=""):
        result, error = self.call(model, method, args, kwargs)
        self.assertFalse(error, "%s: %s %s was refused: %s" % (model, method, what, error))
        return result

    def snapshot(self, record, fields):
        record.invalidate_recordset()
        return record.exists() and record.sudo().read(fields)

    # ------------------------------------------------------------------
    # The walk
    # ------------------------------------------------------------------

    def test_matrix_covers_every_model(self):
        """A model the module defines that is neither in the matrix nor exempt fails."""
        missing = sorted(
            name for name, model in self.env.registry.items()
            if model._original_module == self.MODULE and not model._abstract and not model._transient
            and name not in self.MATRIX and name not in self.EXEMPT)
        self.assertFalse(missing, "models without a line in the access matrix of %s" % self.MODULE)

    def test_matrix(self):
        for label, spec in self.MATRIX.items():
            model = spec.model or label
            own = spec.make(self, self.shop_a)
            foreign = spec.make(self, self.shop_b)
            for role in ROLES:
                with self.subTest(model=label, role=role):
                    self.login(role)
                    self._check_foreign(model, spec, role, foreign)
                    self._check_own(model, spec, role, own)

    def _check_foreign(self, model, spec, role, record):
        fields = list(spec.write or {}) + ([spec.shop_field] if spec.shop_field else [])
        before = self.snapshot(record, fields or ["id"])
        found, error = self.call(model, "search_read", [[("id", "=", record.id)]], {"fields": ["id"]})
        self.assertTrue(error or found == [], "%s: %s of shop A finds shop B's record" % (model, role))
        self.assertRefused(model, "read", [[record.id], ["id"]], what="(another shop's record, %s)" % role)
        if spec.write:
            self.assertRefused(model, "write", [[record.id], spec.write], what="(another shop's record, %s)" % role)
        self.assertRefused(model, "unlink", [[record.id]], what="(another shop's record, %s)" % role)
        self.assertEqual(self.snapshot(record, fields or ["id"]), before, "%s: shop B's record changed" % model)
        if spec.create:
            values = spec.create(self, self.shop_b)
            count = self.env[model].sudo().search_count([])
            self.assertRefused(model, "create", [values], what="(in another shop, %s)" % role)
            self.assertEqual(self.env[model].sudo().search_count([]), count)

    def _check_own(self, model, spec, role, record):
        rights = spec.rights.get(role, "")
        check = {True: self.assertAllowed, False: self.assertRefused}
        check["r" in rights](model, "read", [[record.id], ["id"]], what="(own shop, %s)" % role)
        if spec.write:
            check["w" in rights](model, "write", [[record.id], spec.write], what="(own shop, %s)" % role)
        if spec.shop_field:
            self.assertRefused(model, "write", [[record.id], {spec.shop_field: self.shop_b.id}],
                               what="(moving it to another shop, %s)" % role)
            record.invalidate_recordset()
            self.assertEqual(record.sudo()[spec.shop_field], self.shop_a, "%s: moved to shop B" % model)
        if spec.create:
            check["c" in rights](model, "create", [spec.create(self, self.shop_a)], what="(own shop, %s)" % role)
        if "d" in rights:
            # Deleted by the second role only, so that both roles see it first.
            if role == ROLES[-1]:
                self.assertAllowed(model, "unlink", [[record.id]], what="(own shop, %s)" % role)
        else:
            self.assertRefused(model, "unlink", [[record.id]], what="(own shop, %s)" % role)
