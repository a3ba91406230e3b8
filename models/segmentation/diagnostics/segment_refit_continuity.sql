-- Refit continuity (no SPSS table: SPSS refits from scratch): per model and group, the
-- previous model it was fitted against, the previous group it continues and how far the
-- group's profile moved, and whether its code came from the naming rule or from the matching
-- to the previous model (where the rule was ambiguous between groups).
with

model_runs as (

    {{ artifact_table('model_run') }}

),

segment_namings as (

    {{ artifact_table('segment_naming') }}

),

previous_matches as (

    {{ artifact_table('previous_model_match') }}

),

final as (

    select
        segment_namings.model_id,
        segment_namings.scheme,
        segment_namings.as_of_date,
        segment_namings.segment_code,
        model_runs.previous_model_id,
        previous_matches.previous_segment_code,
        previous_matches.match_distance,
        segment_namings.naming_method,
        segment_namings.naming_method = 'matched_previous' as is_matched_to_previous,
        segment_namings.rule_segment_code,
        segment_namings.ambiguous = 1 as is_ambiguous,
        segment_namings.ambiguity_group,
        model_runs.codes_matched_to_previous
    from segment_namings
    left join model_runs
        on segment_namings.model_id = model_runs.model_id
    left join previous_matches
        on
            segment_namings.model_id = previous_matches.model_id
            and segment_namings.segment_code = previous_matches.segment_code

)

select * from final
