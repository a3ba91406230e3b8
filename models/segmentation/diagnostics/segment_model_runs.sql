-- One row per fitted model: what it was fitted on, with which settings, and how good it is.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'model_run'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'run_key',
        [
            'n_rows',
            'n_fit_sample',
            'n_inputs',
            'n_dropped_inputs',
            'n_factors',
            'k',
            'kmo',
            'low_adequacy',
            'cumulative_variance_pct',
            'inertia',
            'cv_hit_rate',
            'resubstitution_hit_rate',
            'random_seed',
            'n_init',
            'fit_seconds',
            'kmeans_label_mismatches',
            'kmeans_iterations',
            'min_initial_centre_distance',
        ],
        [
            'fitted_at_utc',
            'model_variables',
            'segment_codes',
            'config',
            'vars',
            'package_version',
            'warnings',
        ],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        fitted_at_utc,
        cast(n_rows as bigint) as n_rows,
        cast(n_fit_sample as bigint) as n_fit_sample,
        cast(n_inputs as integer) as n_inputs,
        cast(n_dropped_inputs as integer) as n_dropped_inputs,
        cast(n_factors as integer) as n_factors,
        cast(k as integer) as k,
        kmo,
        low_adequacy = 1 as is_low_adequacy,
        cumulative_variance_pct,
        inertia,
        cv_hit_rate,
        resubstitution_hit_rate,
        cast(random_seed as bigint) as random_seed,
        cast(n_init as integer) as n_init,
        fit_seconds,
        cast(kmeans_label_mismatches as bigint) as kmeans_label_mismatches,
        cast(kmeans_iterations as integer) as kmeans_iterations,
        min_initial_centre_distance,
        model_variables,
        segment_codes,
        config,
        vars,
        package_version,
        warnings
    from pivoted

)

select * from final
