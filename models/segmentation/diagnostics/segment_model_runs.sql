-- One row per fitted model: what it was fitted on, with which settings, and how good it is.
with

model_runs as (

    {{ artifact_table('model_run') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        fitted_at_utc,
        n_rows,
        n_fit_sample,
        n_inputs,
        n_dropped_inputs,
        n_factors,
        k,
        kmo,
        low_adequacy = 1 as is_low_adequacy,
        cumulative_variance_pct,
        inertia,
        cv_hit_rate,
        resubstitution_hit_rate,
        random_seed,
        n_init,
        -- the prior of Fisher's functions (var segmentation_priors), shown beside them
        {{ json_text('config', '$.priors') }} as priors,
        fit_seconds,
        kmeans_label_mismatches,
        kmeans_iterations,
        min_initial_centre_distance,
        model_variables,
        segment_codes,
        config,
        vars,
        package_version,
        warnings
    from model_runs

)

select * from final
