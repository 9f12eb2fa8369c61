/** Sent on `initialize` (PLATFORM.md §6): the workflow the tools are built for. */
export const INSTRUCTIONS = `Warrant proves that security controls are implemented: each control of a threat model gets typed assertions that CI checks against the code (Tier 1: deterministic; Tier 2: an AI judgement), with signed, logged results.

Workflow:
1. Find work: list_models, then get_controls with status=not_implemented (or unverified); read a control with get_controls control_id=… and its objectives with get_control_objectives.
2. Read the code that should implement the control. If it does not, fix the code first. If the control is over-prescriptive for this codebase, use refine_control with a justification — never to weaken it.
3. Propose assertions: get_assertion_types shows each type's params. Check every candidate locally with \`warrant verify <type> -p key=value\` (validate_assertion and submit_assertions answer the exact command) and read the target yourself: a passing check on the wrong code proves nothing.
4. submit_assertions; read coherence_warnings and sufficiency in the answer. Add assertions until sufficiency is "sufficient" (get_sufficiency when evaluation_pending).
5. update_control_status to implemented.
6. CI submits Tier 1 and Tier 2 results with a verifier key (results are not a tool); get_tier2_prompt shows the question Tier 2 answers for an assertion. Then read get_verification_report, and list_drift for what stopped passing.

Gaps: get_scan_prompt (one control, or every control not implemented) says what to check and how to record it; record gaps with submit_findings; move a finding with update_finding (acknowledged, then remediated with remediation_assertion_ids, the assertions that prove the fix; it becomes verified when CI passes them). Visit get_review_queue regularly.

Array parameters take a JSON array, a string holding one, or (id lists) a comma-separated string. A failed call answers isError with {code, status, message, details}; details.errors[].path is a JSON Pointer into the request.`
