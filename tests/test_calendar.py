import datetime as dt

from transition_sim.golive import GoLiveCalendar, first_of_month_on_or_after, next_open_slot

D = dt.date


def calendar(planned=D(2020, 7, 1), go_no_go=28.0, eli=28.0, closed=()):
    start = D(2020, 1, 1)
    return GoLiveCalendar(start=start, planned_day=float((planned - start).days), vesting_day=D(2021, 4, 1),
                          go_no_go_days=go_no_go, eli_days=eli, closed=tuple(closed))


def day(date):
    return float((date - D(2020, 1, 1)).days)


def test_first_of_month():
    assert first_of_month_on_or_after(D(2020, 7, 1)) == D(2020, 7, 1)
    assert first_of_month_on_or_after(D(2020, 7, 2)) == D(2020, 8, 1)
    assert first_of_month_on_or_after(D(2020, 12, 31)) == D(2021, 1, 1)


def test_never_before_the_planned_date():
    assert calendar().go_live(readiness_day=0.0, consultation_end_day=0.0) == D(2020, 7, 1)


def test_readiness_plus_go_no_go_notice():
    cal = calendar(go_no_go=28.0)
    # ready on 3 June: 28 days' notice gives 1 July exactly
    assert cal.go_live(day(D(2020, 6, 3)), 0.0) == D(2020, 7, 1)
    # ready during 4 June: the notice runs to 2 July, so the next slot is 1 August
    assert cal.go_live(day(D(2020, 6, 3)) + 0.5, 0.0) == D(2020, 8, 1)


def test_consultation_plus_eli_notice():
    cal = calendar(eli=28.0)
    assert cal.go_live(0.0, day(D(2020, 8, 4))) == D(2020, 9, 1)
    assert cal.go_live(0.0, day(D(2020, 8, 5))) == D(2020, 10, 1)


def test_closed_window_pushes_to_the_first_open_slot():
    closed = [(D(2021, 2, 15), D(2021, 5, 15))]
    assert next_open_slot(D(2021, 2, 10), closed) == D(2021, 6, 1)
    assert next_open_slot(D(2021, 1, 10), closed) == D(2021, 2, 1)  # before the window opens
    # window ends are included
    assert next_open_slot(D(2021, 1, 2), [(D(2021, 2, 1), D(2021, 2, 1))]) == D(2021, 3, 1)


def test_a_few_weeks_slip_becomes_months():
    cal = calendar(planned=D(2021, 2, 1), go_no_go=0.0, eli=0.0, closed=[(D(2021, 2, 15), D(2021, 5, 15))])
    assert cal.go_live(day(D(2021, 1, 31)), 0.0) == D(2021, 2, 1)
    assert cal.go_live(day(D(2021, 2, 2)), 0.0) == D(2021, 6, 1)
