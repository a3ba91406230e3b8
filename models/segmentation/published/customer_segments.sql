-- One row per customer per scheme: the segment, how it was assigned, and the segment at the
-- previous as-of date built (from the segment history), and the posterior probability of the
-- segment by Fisher's classification functions.
with

assignments as (

    select * from {{ ref('int_segment_assignments') }}

),

segment_runs as (

    select * from {{ ref('segment_runs') }}

),

history as (

    select * from {{ ref('int_segment_history') }}

),

scores as (

    select * from {{ ref('int_segment_scores') }}

),

built_dates as (

    select distinct
        scheme,
        as_of_date
    from assignments

),

previous_dates as (

    select
        built_dates.scheme,
        built_dates.as_of_date,
        max(segment_runs.as_of_date) as previous_as_of_date
    from built_dates
    inner join segment_runs
        on
            built_dates.scheme = segment_runs.scheme
            and built_dates.as_of_date > segment_runs.as_of_date
    group by built_dates.scheme, built_dates.as_of_date

),

previous_segments as (

    {{ segments_valid_at('history', 'previous_dates', 'previous_as_of_date') }}

),

final as (

    select
        assignments.customer_id,
        assignments.scheme,
        assignments.as_of_date,
        assignments.model_id,
        assignments.segment_code,
        assignments.segment_name,
        assignments.segment_name_zh,
        assignments.assignment_method,
        assignments.assignment_rule,
        assignments.distance_to_centre,
        assignments.factor_scores,
        case assignments.assignment_method
            when 'kmeans' then scores.nearest_posterior_probability
            when 'discriminant' then scores.classified_posterior_probability
        end as posterior_probability,
        previous_segments.segment_code as previous_segment_code
    from assignments
    left join previous_segments
        on
            assignments.customer_id = previous_segments.customer_id
            and assignments.scheme = previous_segments.scheme
    left join scores
        on
            assignments.customer_id = scores.customer_id
            and assignments.scheme = scores.scheme

)

select * from final
