-- One row per scheme and drift measure (each model input, and the segment shares): the
-- population stability index of today's population against the fitting sample stored with the
-- current model, PSI = sum over bins of (p_now - p_fit) * ln(p_now / p_fit) (segment_drift_bins),
-- and what it says: 'stable' up to var drift_psi_warn, 'warn' up to var drift_psi_refit,
-- 'refit recommended' above: run the monthly refit early (docs/domain.md, "Drift and refit
-- advice").
with

drift_bins as (

    select * from {{ ref('segment_drift_bins') }}

),

model_runs as (

    select * from {{ ref('segment_model_runs') }}

),

measures as (

    select
        scheme,
        as_of_date,
        model_id,
        measure_type,
        drift_measure,
        count(*) as bins,
        cast(sum(customers_now) as bigint) as customers_now,
        sum(psi_term) as psi,
        max(abs(current_share - fit_share)) as max_share_change
    from drift_bins
    group by scheme, as_of_date, model_id, measure_type, drift_measure

),

final as (

    select
        measures.scheme,
        measures.as_of_date,
        measures.model_id,
        model_runs.as_of_date as model_as_of_date,
        measures.measure_type,
        measures.drift_measure,
        measures.bins,
        measures.customers_now,
        measures.psi,
        measures.max_share_change,
        cast({{ var('drift_psi_warn') }} as double) as psi_warn_threshold,
        cast({{ var('drift_psi_refit') }} as double) as psi_refit_threshold,
        case
            when measures.psi > {{ var('drift_psi_refit') }} then 'refit recommended'
            when measures.psi > {{ var('drift_psi_warn') }} then 'warn'
            else 'stable'
        end as drift_status
    from measures
    left join model_runs
        on measures.model_id = model_runs.model_id

)

select * from final
