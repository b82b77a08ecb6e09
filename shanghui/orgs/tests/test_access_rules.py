from shanghui.orgs.access import organisations_for_user


def test_federation_sees_everything_below_it(world):
    visible = set(organisations_for_user(world.fed_admin))
    assert {world.city, world.chamber_a, world.point_b, world.window2} <= visible


def test_chamber_sees_its_own_subtree_only(world):
    visible = set(organisations_for_user(world.chamber_admin))
    assert visible == {world.chamber_a, world.point_a, world.enterprise_a}


def test_county_federation_sees_its_county_only(world):
    visible = set(organisations_for_user(world.county_admin))
    assert visible == {world.county2, world.chamber_b, world.point_b}


def test_outsider_sees_nothing(world):
    assert not organisations_for_user(world.outsider).exists()


# --- Roles: who may hand out which --------------------------------------------------------------


def _roles(user, org):
    from shanghui.orgs.access import assignable_roles

    return [value for value, _label in assignable_roles(user, org)]


def test_admin_roles_are_granted_from_above_only(world):
    assert "chamber_admin" in _roles(world.fed_admin, world.chamber_a)
    assert "chamber_admin" not in _roles(world.chamber_admin, world.chamber_a)
    assert "federation_admin" in _roles(world.fed_admin, world.county2)
    assert "federation_admin" not in _roles(world.county_admin, world.county2)
    assert "federation_admin" not in _roles(world.fed_admin, world.city)  # the top is set by a superuser


def test_roles_follow_the_kind_of_organisation(world):
    assert _roles(world.chamber_admin, world.point_a) == ["agent"]
    assert _roles(world.chamber_admin, world.enterprise_a) == ["lecturer"]
    assert _roles(world.dept_admin, world.window) == ["window_clerk"]


def test_no_roles_to_grant_without_admin_over_the_organisation(world):
    assert _roles(world.fed_staff, world.chamber_a) == []
    assert _roles(world.auditor, world.chamber_a) == []
    assert _roles(world.chamber_admin, world.chamber_b) == []


def test_administered_organisations(world):
    from shanghui.orgs.access import organisations_administered_by

    assert set(organisations_administered_by(world.chamber_admin)) == {
        world.chamber_a, world.point_a, world.enterprise_a,
    }  # fmt: skip
    assert not organisations_administered_by(world.auditor).exists()


def test_member_pages_are_for_admins_staff_and_auditors(world):
    from shanghui.orgs.access import can_view_members

    readers = {"fed_admin", "fed_staff", "county_admin", "chamber_admin", "chamber_staff", "chamber_admin_b",
               "dept_admin", "auditor"}  # fmt: skip
    for name in ("agent", "agent_b", "clerk", "mediator", "lecturer", "party_officer", "outsider", *readers):
        assert can_view_members(getattr(world, name)) is (name in readers), name


def test_moving_returns_the_new_path(world):
    from shanghui.orgs import services

    moved = services.update_organisation(actor=None, org=world.chamber_a, parent=world.county)

    assert moved.path.startswith(world.county.path)
    assert moved.depth == 2
