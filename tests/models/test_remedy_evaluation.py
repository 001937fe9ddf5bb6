"""The right-fix figure: right pattern, right sub-cause, decisive step within the first two steps."""
from autodevops.corpus import SubCauseCase
from autodevops.models.remedy_evaluation import decisive_position, decisive_step_report, evaluate_cases


def solution(sub_cause: str, *steps: str) -> dict:
    return {"steps": [f"{i}. {s}" for i, s in enumerate(steps, 1)], "sub_cause": {"id": sub_cause, "evidence": "x"}}


CASES = [SubCauseCase("network.address_in_use", "bound_twice", "bind settings", "log a", "network.yaml#1"),
         SubCauseCase("network.address_in_use", None, "ss -ltnp", "log b", "network.yaml#2"),
         SubCauseCase("kubernetes.oom_killed", "jvm_heap", "kubectl describe pod <pod>", "log c", "kubernetes.yaml#1"),
         SubCauseCase("kubernetes.oom_killed", "leak", "heap dump", "log d", "kubernetes.yaml#2")]


def test_a_placeholder_in_the_decisive_text_matches_the_filled_value_and_numbering_is_ignored():
    steps = ["1. Read the events", "2. Run kubectl describe pod web-0 -n shop"]
    assert decisive_position("kubectl describe pod <pod>", steps) == 2
    assert decisive_position("KUBECTL DESCRIBE", steps) == 2
    assert decisive_position("heap dump", steps) is None


def test_the_report_counts_pattern_sub_cause_and_decisive_step_separately():
    answers = [("network.address_in_use", solution("bound_twice", "Check the bind settings", "Verify")),
               ("network.address_in_use", solution("fallback", "Read it", "Think", "Run ss -ltnp")),  # third: too late
               ("kubernetes.oom_killed", solution("jvm_heap", "kubectl describe pod api-0", "Verify")),
               ("kubernetes.crash_loop_backoff", solution("x", "Take a heap dump"))]  # wrong pattern
    report = decisive_step_report(CASES, [p for p, _ in answers], [s for _, s in answers])
    assert {k: report[k] for k in ("cases", "right_pattern", "right_sub_cause", "decisive_in_first_two")} == {
        "cases": 4, "right_pattern": 0.75, "right_sub_cause": 0.75, "decisive_in_first_two": 0.5}
    assert report["per_category"] == [
        {"category": "kubernetes", "cases": 2, "right_pattern": 0.5, "right_sub_cause": 0.5, "decisive_in_first_two": 0.5},
        {"category": "network", "cases": 2, "right_pattern": 1.0, "right_sub_cause": 1.0, "decisive_in_first_two": 0.5}]
    assert [m["case"] for m in report["misses"]] == ["network.yaml#2", "kubernetes.yaml#2"]
    assert report["misses"][0]["decisive_position"] == 3


def test_evaluate_cases_sends_each_log_once_in_order():
    seen = []

    class Answer:
        def __init__(self, pattern_id, solution):
            self.pattern_id, self.solution = pattern_id, solution

    def analyze(pairs):
        seen.extend(pairs)
        return [Answer(None, None) for _ in pairs]

    report = evaluate_cases(CASES[:2], analyze)
    assert seen == [("network.yaml#1", "log a"), ("network.yaml#2", "log b")]
    assert (report["right_pattern"], report["decisive_in_first_two"]) == (0.0, 0.0)
    assert decisive_step_report([], [], [])["decisive_in_first_two"] is None
